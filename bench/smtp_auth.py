"""Mail AUTH through Dovecot: the portal's lookups against the three-table views they replaced and against a
one-table plaintext baseline, on SQLite, PostgreSQL and MariaDB (issue 20, docs/performance.md).

    .venv/bin/python bench/smtp_auth.py [--databases sqlite,postgresql,mysql] [--users 100000] [--seconds 10]
    .venv/bin/python bench/smtp_auth.py --smoke        # tiny data, a few seconds per database, still checked

Each database runs in its own child process (Django binds one database per process). For each it builds a fresh
database (migrations, then bulk inserts with the lookup triggers off and one rebuild: N users with 3 app
passwords each), adds in the same database
  - ``bench_joined_app_passwords`` / ``bench_joined_accounts``: the three-table views of migration 0003 (before);
  - ``plain_credentials(login, password)``, primary key on both: the same 3N credentials in plaintext, looked up
    with ``WHERE login = '%Lu' AND password = '%w'`` on the same driver (the baseline);
and starts three Dovecot 2.3 instances deployed as docs/mail-server.md says (tests/servers/dovecot.py, the
read-only role on PostgreSQL/MariaDB, auth cache off): the portal as shipped ("after"), the same config pointed at
the joined views ("before"), and the baseline. It then measures, with ``--clients`` concurrent clients, in
alternating rounds so the machine's drift hits each side alike:
  1. the Dovecot auth protocol: AUTH PLAIN with an app password, requests/s and latency (what the lookup costs);
  2. full SMTP sessions through Dovecot's submission service (connect, EHLO, STARTTLS, EHLO, AUTH, QUIT);
  3. the main password with the configured Argon2id cost (portal/settings/base.py), auths/s and latency.
Prints a markdown table. Not part of pytest; ``--smoke`` is (tests/test_bench_smoke.py may run it).
"""

import argparse
import base64
import hashlib
import json
import os
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SERVER_URLS = {
    "postgresql": "postgres://postgres@127.0.0.1:5432/{name}",
    "mysql": "mysql://root@127.0.0.1:3306/{name}",
}
LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mysql": "MariaDB"}
MAIN_PASSWORD = "bench-main-password-Argon2id"


# --- building the database ------------------------------------------------------------------------------------------
def fresh_database(vendor: str, name: str, work: Path) -> str:
    if vendor == "sqlite":
        return f"sqlite:///{work / 'portal.sqlite3'}"
    if vendor == "postgresql":
        import psycopg

        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            db.execute(f'CREATE DATABASE "{name}"')
    else:
        import MySQLdb

        db = MySQLdb.connect(host="127.0.0.1", port=3306, user="root")
        cursor = db.cursor()
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        # The read-only account a previous run made keeps its grants (on the bench's extra tables) past the drop.
        cursor.execute("SELECT User, Host FROM mysql.user WHERE User = %s", [f"{name[:24]}_dovecot"])
        for user, host in cursor.fetchall():
            cursor.execute(f"DROP USER '{user}'@'{host}'")
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        db.close()
    return SERVER_URLS[vendor].format(name=name)


def configured_argon2_hash(password: str) -> tuple[str, str]:
    """The Django hash of ``password`` at the production cost (portal/settings/base.py's defaults or env)."""
    import argon2

    import portal.settings.base as base

    hasher = argon2.PasswordHasher(
        time_cost=base.PORTAL_ARGON2_TIME_COST,
        memory_cost=base.PORTAL_ARGON2_MEMORY_COST_KIB,
        parallelism=base.PORTAL_ARGON2_PARALLELISM,
        type=argon2.Type.ID,
    )
    cost = (
        f"t={base.PORTAL_ARGON2_TIME_COST}, m={base.PORTAL_ARGON2_MEMORY_COST_KIB // 1024} MiB, "
        f"p={base.PORTAL_ARGON2_PARALLELISM}"
    )
    return "argon2" + hasher.hash(password), cost


def secret_for(user_id: int, n: int) -> str:
    """The benchmark's app-password strings: generated in SQL too (``_secret_sql``), so the database builds the
    300k rows itself. Dovecot hashes whatever the client sends; the format does not change the lookup."""
    return f"b{user_id}-{n}-bench-app-password"


def _secret_sql(vendor: str) -> str:
    if vendor == "mysql":
        return "CONCAT('b', u.id, '-', n.n, '-bench-app-password')"
    return "'b' || u.id || '-' || n.n || '-bench-app-password'"


def _sha256_sql(vendor: str, expression: str) -> str:
    return {
        "postgresql": f"encode(sha256(convert_to({expression}, 'UTF8')), 'hex')",
        "mysql": f"SHA2({expression}, 256)",
        "sqlite": f"bench_sha256({expression})",  # registered below
    }[vendor]


def insert_users(first: int, last: int, *, password: str, two_step_enabled) -> None:
    """Users ``user{first}@bench.test`` … ``user{last - 1}@…`` in one INSERT … SELECT over a number series (every
    other column at its model default), so 100k users take seconds. ``two_step_enabled``: a bool, or "even" (on
    for even numbers, off for odd ones)."""
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User

    vendor = connection.vendor
    series = {
        "postgresql": f"SELECT generate_series({first}, {last - 1}) AS i",
        "mysql": f"SELECT seq AS i FROM seq_{first}_to_{last - 1}" if last - 1 > first else f"SELECT {first} AS i",
        "sqlite": f"WITH RECURSIVE s(i) AS (SELECT {first} UNION ALL SELECT i + 1 FROM s WHERE i < {last - 1}) "
        "SELECT i FROM s",
    }[vendor]
    email = "CONCAT('user', n.i, '@bench.test')" if vendor == "mysql" else "'user' || n.i || '@bench.test'"
    columns, values, params = [], [], []
    for field in User._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.name == "email":
            values.append(email)
            continue
        if field.name == "two_step_enabled" and two_step_enabled == "even":
            values.append("(n.i %% 2 = 0)")
            continue
        value = {"password": password, "date_joined": timezone.now(), "two_step_enabled": two_step_enabled}.get(
            field.name, field.get_default()
        )
        values.append("%s")
        params.append(field.get_db_prep_save(value, connection))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO accounts_user ({', '.join(columns)}) SELECT {', '.join(values)} FROM ({series}) n",
            params,
        )


SETTLE_SECONDS = 90.0  # --smoke: a few


def settle(limit_seconds: float | None = None) -> None:
    """Let the database finish writing what the bulk load left behind before anything is timed: a checkpoint
    (PostgreSQL, SQLite's WAL), and on MariaDB a wait until InnoDB has flushed its dirty pages and purged the
    rebuild's deleted rows (on 2 CPUs that background work otherwise competes with the lookups for minutes)."""
    from django.db import connection

    limit_seconds = SETTLE_SECONDS if limit_seconds is None else limit_seconds
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("CHECKPOINT")
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            stop = time.monotonic() + limit_seconds
            while time.monotonic() < stop:
                cursor.execute(
                    "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
                    "WHERE VARIABLE_NAME IN ('INNODB_BUFFER_POOL_PAGES_DIRTY', 'INNODB_HISTORY_LIST_LENGTH') "
                    "ORDER BY VARIABLE_NAME"
                )
                dirty, history = (int(row[0]) for row in cursor.fetchall())
                if dirty < 500 and history < 5000:
                    break
                time.sleep(2)


def build(users: int, sample: int, main_sample: int) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection, transaction

    from accounts.models import User
    from security.app_passwords import mail_views
    from security.app_passwords.services import mail_lookups_rebuild

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute("PRAGMA journal_mode = WAL")
            connection.connection.create_function(
                "bench_sha256", 1, lambda text: hashlib.sha256(text.encode()).hexdigest(), deterministic=True
            )
        for statement in mail_views.lookup_triggers_drop_sql(vendor):  # bulk load, then one rebuild (the backfill)
            cursor.execute(statement)
    cheap_hash = make_password("not-the-main-password")  # test settings: a cheap Argon2id, not measured
    with transaction.atomic():
        insert_users(0, users, password=cheap_hash, two_step_enabled=True)
    secret = _secret_sql(vendor)
    three = "SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO app_passwords_apppassword (user_id, name, scope, token_sha256, created_at, "
            "last_used_protocol, creation_key) "
            f"SELECT u.id, 'client', 'all', {_sha256_sql(vendor, secret)}, u.date_joined, '', '' "
            f"FROM accounts_user u CROSS JOIN ({three}) n"
        )
        cursor.execute(
            "CREATE TABLE plain_credentials (login VARCHAR(254) NOT NULL, password VARCHAR(64) NOT NULL, "
            "PRIMARY KEY (login, password))"
        )
        cursor.execute(
            f"INSERT INTO plain_credentials SELECT u.email, {secret} FROM accounts_user u CROSS JOIN ({three}) n"
        )
    ids = list(User.objects.order_by("id").values_list("id", "email"))
    logins = [(email, secret_for(user_id, 1)) for user_id, email in ids[:: max(1, users // sample)]]
    # Users whose main password opens mail (two-step off), hashed at the configured cost.
    main_hash, cost = configured_argon2_hash(MAIN_PASSWORD)
    main = ids[max(1, users // sample) // 2 :: max(1, users // main_sample)]
    User.objects.filter(id__in=[user_id for user_id, _email in main]).update(password=main_hash, two_step_enabled=False)
    mail_lookups_rebuild(force=True)
    with connection.cursor() as cursor:
        for statement in mail_views.create_views_sql(vendor, revision=2):  # before: the joined views
            cursor.execute(
                statement.replace("VIEW mail_app_passwords", "VIEW bench_joined_app_passwords").replace(
                    "VIEW mail_accounts", "VIEW bench_joined_accounts"
                )
            )
        analyze = {
            "sqlite": "ANALYZE",
            "postgresql": "ANALYZE",
            "mysql": "ANALYZE TABLE accounts_user, app_passwords_apppassword, app_passwords_mailservice, "
            "mail_app_password_lookup, mail_account_lookup, plain_credentials",
        }[vendor]
        cursor.execute(analyze)
        if vendor == "mysql":
            cursor.fetchall()
        cursor.execute("SELECT COUNT(*) FROM mail_app_passwords")
        assert cursor.fetchone()[0] == users * 3 * 4, "every app password opens the four services"
    settle()
    connection.close()  # SQLite: Dovecot must not see a schema change after it prepared its statements
    return {
        "logins": logins,
        "main_logins": [email for _user_id, email in main],
        "cost": cost,
        "build_seconds": time.monotonic() - started,
    }


# --- the three Dovecots ----------------------------------------------------------------------------------------------
def grant_to_role(role: str, tables: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(f'GRANT SELECT ON {table} TO "{role}"')
        elif connection.vendor == "mysql":
            cursor.execute("SELECT Host FROM mysql.user WHERE User = %s", [role])
            host = cursor.fetchone()[0]
            database = connection.settings_dict["NAME"]
            for table in tables:
                cursor.execute(f"GRANT SELECT ON `{database}`.`{table}` TO '{role}'@'{host}'")


def deploy_dovecot(kind: str, work: Path, relay_port: int):
    """Dovecot 2.3 deployed as docs/mail-server.md says, plus an auth listener on a loopback port. ``before``
    points the generated passdbs at the joined views; ``baseline`` swaps them for the one plaintext passdb."""
    from tests.servers.dovecot import Dovecot
    from tests.servers.process import free_port

    root = work / f"dovecot-{kind}"
    root.mkdir(parents=True, exist_ok=True)
    dovecot = Dovecot(version="2.3", root=root, relay_port=relay_port)
    dovecot.deploy()
    dovecot.extra_tables = []
    exts = sorted(dovecot.etc.glob("portal-sql*.conf.ext"))
    if kind == "before":
        for ext in exts:
            text = ext.read_text()
            text = text.replace("FROM mail_app_passwords ", "FROM bench_joined_app_passwords ")
            text = text.replace("FROM mail_accounts ", "FROM bench_joined_accounts ")
            ext.write_text(text)
        dovecot.extra_tables = ["bench_joined_app_passwords", "bench_joined_accounts"]
    if kind == "baseline":
        source = exts[0].read_text()
        head = "".join(line + "\n" for line in source.splitlines() if line.startswith(("driver", "connect")))
        (dovecot.etc / "baseline.conf.ext").write_text(
            f"{head}default_pass_scheme = PLAIN\n"
            "password_query = SELECT login AS user, password FROM plain_credentials "
            "WHERE login = '%Lu' AND password = '%w'\n"
        )
        dovecot.extra_tables = ["plain_credentials"]
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
    return dovecot


# --- the clients -----------------------------------------------------------------------------------------------------
def run_clients(clients: int, seconds: float, one_client) -> tuple[float, list[float]]:
    counts = [0] * clients
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []
    stop = time.monotonic() + seconds

    def worker(index):
        try:
            one_client(index, counts, latencies[index], stop)
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
    return sum(counts) / (time.monotonic() - started), [x for one in latencies for x in one]


def auth_protocol_rate(port: int, logins, clients: int, seconds: float, *, service: str = "smtp"):
    def client(index, counts, latencies, stop):
        with socket.create_connection(("127.0.0.1", port)) as sock:
            reader = sock.makefile("rb")
            sock.sendall(f"VERSION\t1\t2\nCPID\t{os.getpid()}{index}\n".encode())
            while reader.readline().strip() != b"DONE":
                pass
            n = 0
            while time.monotonic() < stop:
                login, secret = logins[(index * 7919 + n) % len(logins)]
                response = base64.b64encode(f"\0{login}\0{secret}".encode()).decode()
                began = time.perf_counter()
                sock.sendall(f"AUTH\t{n + 1}\tPLAIN\tservice={service}\tsecured\tresp={response}\n".encode())
                line = reader.readline()
                latencies.append(time.perf_counter() - began)
                if not line.startswith(b"OK\t"):
                    raise RuntimeError(f"auth refused: {line[:200]!r}")
                n += 1
            counts[index] = n

    return run_clients(clients, seconds, client)


def smtp_rate(port: int, logins, clients: int, seconds: float):
    from tests.servers.smtp_client import tls_context

    def client(index, counts, latencies, stop):
        n = 0
        while time.monotonic() < stop:
            login, secret = logins[(index * 7919 + n) % len(logins)]
            began = time.perf_counter()
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
                smtp.ehlo("bench.test")
                smtp.starttls(context=tls_context())  # the deployed config takes passwords only inside TLS
                smtp.ehlo("bench.test")
                smtp.login(login, secret)
            latencies.append(time.perf_counter() - began)
            n += 1
        counts[index] = n

    return run_clients(clients, seconds, client)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- one database (child process) ------------------------------------------------------------------------------------
def measure_one(args) -> dict:
    work = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    os.chmod(work, 0o755)
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.test"
    os.environ["DATABASE_URL"] = fresh_database(args.one, args.db_name, work)
    import django

    django.setup()
    servers = {}
    sink = None
    try:
        data = build(args.users, args.sample, args.main_sample)
        logins, main_logins = data["logins"], [(login, MAIN_PASSWORD) for login in data["main_logins"]]
        from tests.servers.smtp_sink import SmtpSink

        sink = SmtpSink().__enter__()
        deployed = {kind: deploy_dovecot(kind, work, sink.port) for kind in ("after", "before", "baseline")}
        # After every deploy: mail_server_role refuses to take over an account with rights it never grants.
        for kind, dovecot in deployed.items():
            grant_to_role(dovecot.role, dovecot.extra_tables)
            servers[kind] = dovecot.start()
        round_seconds = args.seconds / args.rounds
        auth = {kind: [0.0, []] for kind in servers}
        smtp = {kind: [0.0, []] for kind in servers}
        for dovecot in servers.values():
            auth_protocol_rate(dovecot.auth_port, logins, args.clients, min(1.0, round_seconds))  # warm up
        for _round in range(args.rounds):
            for kind, dovecot in servers.items():
                rate, latencies = auth_protocol_rate(dovecot.auth_port, logins, args.clients, round_seconds)
                auth[kind][0] += rate / args.rounds
                auth[kind][1] += latencies
            for kind, dovecot in servers.items():
                rate, latencies = smtp_rate(
                    dovecot.submission_port, logins, args.clients, args.smtp_seconds / args.rounds
                )
                smtp[kind][0] += rate / args.rounds
                smtp[kind][1] += latencies
        main_rate, main_latencies = auth_protocol_rate(
            servers["after"].auth_port, main_logins, args.clients, args.main_seconds, service="imap"
        )
        main_one, main_one_latencies = auth_protocol_rate(
            servers["after"].auth_port, main_logins, 1, args.main_seconds / 2, service="imap"
        )
        from django.db import connection

        version = {
            "sqlite": lambda: "SQLite " + __import__("sqlite3").sqlite_version,
            "postgresql": lambda: f"PostgreSQL {connection.cursor().connection.info.server_version // 10000}",
            "mysql": lambda: "MariaDB " + connection.cursor().connection.get_server_info().split("-")[0],
        }[args.one]()
        result = {
            "database": version,
            "users": args.users,
            "build_seconds": data["build_seconds"],
            "cost": data["cost"],
            "auth": {
                kind: {"rate": rate, "p50": percentile(lat, 0.5), "p99": percentile(lat, 0.99)}
                for kind, (rate, lat) in auth.items()
            },
            "smtp": {kind: {"rate": rate, "p50": percentile(lat, 0.5)} for kind, (rate, lat) in smtp.items()},
            "main": {
                "rate": main_rate,
                "p50": percentile(main_latencies, 0.5),
                "p99": percentile(main_latencies, 0.99),
                "one_client_rate": main_one,
                "one_client_p50": percentile(main_one_latencies, 0.5),
            },
        }
    finally:
        for dovecot in servers.values():
            dovecot.__exit__(None, None, None)
        if sink is not None:
            sink.__exit__(None, None, None)
        if not os.environ.get("PORTAL_KEEP_BENCH"):
            shutil.rmtree(work, ignore_errors=True)
    # Sanity, also in --smoke: every side answered, and the portal is not absurdly slower than the baseline.
    for kind in ("after", "before", "baseline"):
        assert result["auth"][kind]["rate"] > 0 and result["smtp"][kind]["rate"] > 0, result
    assert result["main"]["rate"] > 0, result
    return result


# --- the table -------------------------------------------------------------------------------------------------------
def table(results: list[dict], args) -> str:
    ms = 1000
    lines = [
        f"{args.users:,} users × 3 app passwords, {args.clients} clients, Dovecot 2.3 auth protocol, auth cache off, "
        f"{args.rounds} alternating rounds ({args.seconds:g} s auth, {args.smtp_seconds:g} s SMTP per side), "
        f"{os.cpu_count()} CPUs",
        "",
        "| database | before (3-table views) auths/s | after (lookup tables) auths/s | plaintext baseline auths/s "
        "| after/baseline | before/baseline | after p50 / p99 ms | SMTP sessions/s after / baseline | SMTP ratio |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        a, s = r["auth"], r["smtp"]
        before, after, base = a["before"]["rate"], a["after"]["rate"], a["baseline"]["rate"]
        lines.append(
            f"| {r['database']} | {before:,.0f} | {after:,.0f} | {base:,.0f} | **{after / base:.2f}** "
            f"| {before / base:.2f} | {a['after']['p50'] * ms:.2f} / {a['after']['p99'] * ms:.2f} "
            f"| {s['after']['rate']:.1f} / {s['baseline']['rate']:.1f} "
            f"| {s['after']['rate'] / s['baseline']['rate']:.2f} |"
        )
    lines += [
        "",
        f"Main password (Argon2id {results[0]['cost'] if results else ''}), Dovecot auth protocol, service imap:",
        "",
        f"| database | auths/s, {args.clients} clients | p50 / p99 ms | auths/s, 1 client | p50 ms, 1 client |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        m = r["main"]
        lines.append(
            f"| {r['database']} | {m['rate']:.1f} | {m['p50'] * ms:.0f} / {m['p99'] * ms:.0f} "
            f"| {m['one_client_rate']:.1f} | {m['one_client_p50'] * ms:.0f} |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgresql,mysql")
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=12.0, help="auth-protocol seconds per side")
    parser.add_argument("--smtp-seconds", type=float, default=6.0, help="SMTP-session seconds per side")
    parser.add_argument("--main-seconds", type=float, default=6.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds per measurement")
    parser.add_argument("--sample", type=int, default=2000, help="distinct app-password logins the clients cycle")
    parser.add_argument("--main-sample", type=int, default=50, help="users whose main password is measured")
    parser.add_argument("--db-name", default=os.environ.get("BENCH_DB_NAME", "portal_bench_auth"))
    parser.add_argument("--smoke", action="store_true", help="tiny data, a few seconds per database")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.smoke:
        global SETTLE_SECONDS
        SETTLE_SECONDS = 3.0
        args.users, args.sample, args.main_sample = 300, 30, 3
        args.seconds, args.smtp_seconds, args.main_seconds, args.rounds = 1.0, 1.0, 1.0, 1
    if args.one:
        print("RESULT " + json.dumps(measure_one(args)))
        return
    results, failed = [], []
    for vendor in args.databases.split(","):
        started = time.monotonic()
        argv = [sys.executable, __file__, *sys.argv[1:], "--one", vendor]
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
        if done.returncode or not lines:
            sys.stderr.write(done.stdout[-3000:] + done.stderr[-5000:])
            failed.append(vendor)
            continue
        result = json.loads(lines[-1].removeprefix("RESULT "))
        print(
            f"{LABELS[vendor]}: built in {result['build_seconds']:.0f} s, measured in "
            f"{time.monotonic() - started:.0f} s",
            file=sys.stderr,
        )
        results.append(result)
    print(table(results, args))
    if args.json:
        print(json.dumps(results))
    if failed:
        raise SystemExit(f"the benchmark failed on: {', '.join(failed)}")


if __name__ == "__main__":
    main()
