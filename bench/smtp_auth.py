"""SMTP AUTH throughput through Dovecot against the portal's views, against a one-table plaintext baseline.

    .venv/bin/python bench/smtp_auth.py [--users 100000] [--seconds 12] [--clients 4]

Builds a fresh SQLite database (migrations, then bulk inserts: N users with 3 app passwords each) and a
baseline SQLite file with one table ``plain_credentials(login, password)`` (primary key on both) holding
the same 3N credentials in plaintext, looked up with ``WHERE login = '%Lu' AND password = '%w'``. It
starts two Dovecots (the portal one deployed from Debian's stock config plus mail_server_config's files,
the baseline with that single plaintext passdb instead) and measures, with ``--clients`` concurrent clients,
in alternating rounds:
  1. Dovecot auth protocol: AUTH PLAIN requests/s on the auth listener (what the passdb lookups cost);
  2. SMTP: full sessions/s through Dovecot's submission service (connect, EHLO, AUTH PLAIN, QUIT).
It prints both, the ratio portal/baseline, and EXPLAIN for the two lookups. Not part of pytest.
"""

import argparse
import base64
import hashlib
import os
import shutil
import smtplib
import socket
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="portal-bench-"))
os.chmod(WORK, 0o755)
os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.test"
os.environ["DATABASE_URL"] = f"sqlite:///{WORK / 'portal.sqlite3'}"


def build_portal_db(users: int, sample: int) -> list[tuple[str, str]]:
    import django
    from django.core.management import call_command

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from security.app_passwords.models import AppPassword
    from security.app_passwords.tokens import token_generate, token_sha256

    call_command("migrate", verbosity=0)
    password_hash = make_password("bench-password")  # one hash for everybody: the main password is not measured
    now = timezone.now()
    logins: list[tuple[str, str]] = []
    batch = 5000
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode = WAL")
    for start in range(0, users, batch):
        with transaction.atomic():
            made = User.objects.bulk_create(
                [
                    User(email=f"user{i}@bench.test", password=password_hash, date_joined=now)
                    for i in range(start, min(start + batch, users))
                ]
            )
            rows = []
            for user in made:
                for n in range(3):
                    if len(logins) < sample and n == 1 and user.pk % max(1, users // sample) == 0:
                        secret = token_generate()
                        logins.append((user.email, secret))
                        digest = token_sha256(secret)
                    else:
                        digest = hashlib.sha256(os.urandom(16)).hexdigest()
                    rows.append(
                        AppPassword(user=user, name=f"client {n}", scope="all", token_sha256=digest, created_at=now)
                    )
            AppPassword.objects.bulk_create(rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"portal database: {users} users, {3 * users} app passwords in {time.monotonic() - started:.0f} s")
    return logins


def build_baseline_db(users: int, logins: list[tuple[str, str]]) -> Path:
    """One table, plaintext, the same number of credentials as the portal (3 per user), one index."""
    path = WORK / "baseline.sqlite3"
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE plain_credentials (login TEXT NOT NULL, password TEXT NOT NULL, PRIMARY KEY (login, password))"
    )
    known = dict(logins)

    def rows():
        for i in range(users):
            login = f"user{i}@bench.test"
            for n in range(3):
                yield login, known[login] if n == 1 and login in known else os.urandom(13).hex()

    db.executemany("INSERT INTO plain_credentials VALUES (?, ?)", rows())
    db.execute("ANALYZE")
    db.commit()
    db.close()
    return path


def start_dovecot(*, baseline: Path | None, relay_port: int):
    """Dovecot 2.3 deployed as docs/mail-server.md says (tests/servers/dovecot.py), plus an auth listener on a
    loopback port for the auth-protocol figures. The baseline swaps the portal's two passdbs for its one."""
    from tests.servers.dovecot import Dovecot
    from tests.servers.process import free_port

    root = WORK / ("dovecot-baseline" if baseline else "dovecot-portal")
    root.mkdir(parents=True, exist_ok=True)
    dovecot = Dovecot(version="2.3", root=root, relay_port=relay_port)
    dovecot.deploy()
    if baseline:
        (dovecot.etc / "baseline.conf.ext").write_text(
            f"driver = sqlite\nconnect = {baseline}\ndefault_pass_scheme = PLAIN\n"
            "password_query = SELECT login AS user, password FROM plain_credentials "
            "WHERE login = '%Lu' AND password = '%w'\n"
        )
        auth_conf = dovecot.etc / "conf.d" / "00-portal-auth.conf"
        text = auth_conf.read_text()
        head, tail = text[: text.index("passdb {")], text[text.index("# Every mailbox") :]
        auth_conf.write_text(
            f"{head}passdb {{\n  driver = sql\n  args = {dovecot.etc}/baseline.conf.ext\n"
            f"  result_failure = return-fail\n}}\n{tail}"
        )
    dovecot.auth_port = free_port()
    with dovecot.config.open("a") as config:
        config.write(
            f"service auth {{\n  inet_listener {{\n    address = 127.0.0.1\n    port = {dovecot.auth_port}\n  }}\n}}\n"
        )
    return dovecot.start()


def run_clients(clients: int, seconds: float, one_client) -> float:
    counts = [0] * clients
    errors: list[str] = []
    stop = time.monotonic() + seconds

    def worker(index):
        try:
            one_client(index, counts, stop)
        except Exception as error:
            errors.append(repr(error))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"client errors: {errors[:3]}")
    return sum(counts) / (time.monotonic() - started)


def auth_protocol_rate(port: int, logins, clients: int, seconds: float) -> float:
    def client(index, counts, stop):
        with socket.create_connection(("127.0.0.1", port)) as sock:
            reader = sock.makefile("rb")
            sock.sendall(f"VERSION\t1\t2\nCPID\t{os.getpid()}{index}\n".encode())
            while reader.readline().strip() != b"DONE":
                pass
            n = 0
            while time.monotonic() < stop:
                login, secret = logins[(index * 7919 + n) % len(logins)]
                response = base64.b64encode(f"\0{login}\0{secret}".encode()).decode()
                sock.sendall(f"AUTH\t{n + 1}\tPLAIN\tservice=smtp\tsecured\tresp={response}\n".encode())
                line = reader.readline()
                if not line.startswith(b"OK\t"):
                    raise RuntimeError(f"auth refused: {line[:200]!r}")
                n += 1
            counts[index] = n

    return run_clients(clients, seconds, client)


def tls_context():
    from tests.servers.smtp_client import tls_context as context

    return context()


def smtp_rate(port: int, logins, clients: int, seconds: float) -> float:
    def client(index, counts, stop):
        n = 0
        while time.monotonic() < stop:
            login, secret = logins[(index * 7919 + n) % len(logins)]
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
                smtp.ehlo("bench.test")
                smtp.starttls(context=tls_context())  # the deployed config takes passwords only inside TLS
                smtp.ehlo("bench.test")
                smtp.login(login, secret)
            n += 1
        counts[index] = n

    return run_clients(clients, seconds, client)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds per measurement")
    parser.add_argument("--sample", type=int, default=2000, help="distinct logins the clients cycle through")
    args = parser.parse_args()
    try:
        logins = build_portal_db(args.users, args.sample)
        baseline = build_baseline_db(args.users, logins)
        from django.db import connection

        from security.app_passwords.mail_views import lookup_plans

        login, secret = logins[len(logins) // 2]
        print("\nEXPLAIN (SQLite, portal database):")
        for view, plan in lookup_plans(
            connection, login=login, token=hashlib.sha256(secret.encode()).hexdigest()
        ).items():
            print(f"  {view}:\n    " + plan.replace("\n", "\n    "))
        connection.close()
        from tests.servers.smtp_sink import SmtpSink

        sink = SmtpSink().__enter__()
        servers = {
            "portal views": start_dovecot(baseline=None, relay_port=sink.port),
            "plaintext baseline": start_dovecot(baseline=baseline, relay_port=sink.port),
        }
        totals = {label: [0.0, 0.0] for label in servers}
        try:
            for dovecot in servers.values():
                auth_protocol_rate(dovecot.auth_port, logins, args.clients, 1.0)  # warm up
            # Alternate short rounds, so drift in the machine's load hits both sides alike.
            for _round in range(args.rounds):
                for label, dovecot in servers.items():
                    totals[label][0] += auth_protocol_rate(
                        dovecot.auth_port, logins, args.clients, args.seconds / args.rounds
                    )
                for label, dovecot in servers.items():
                    totals[label][1] += smtp_rate(
                        dovecot.submission_port, logins, args.clients, args.seconds / args.rounds
                    )
        finally:
            for dovecot in servers.values():
                dovecot.__exit__(None, None, None)
        results = {label: (auth / args.rounds, smtp / args.rounds) for label, (auth, smtp) in totals.items()}
        print(
            f"\n{args.clients} clients, {args.seconds:.0f} s each, {os.cpu_count()} CPUs, "
            f"{len(logins)} distinct logins, {args.rounds} alternating rounds, auth cache off"
        )
        print(f"{'':<20}{'auth protocol /s':>18}{'SMTP AUTH sessions /s':>24}")
        for label, (auth, smtp) in results.items():
            print(f"{label:<20}{auth:>18.0f}{smtp:>24.1f}")
        (pa, ps), (ba, bs) = results["portal views"], results["plaintext baseline"]
        print(f"{'ratio':<20}{pa / ba:>18.2f}{ps / bs:>24.2f}   (goal: at least 0.9)")
    finally:
        if not os.environ.get("PORTAL_KEEP_BENCH"):
            shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
