"""SMTP AUTH sessions/s through Dovecot with the auth policy server on against off, in the same run, and the
policy endpoint's own latency under that load.

    .venv/bin/python bench/mail_policy.py [--users 2000] [--seconds 20] [--clients 4] [--rounds 4] [--redis URL]
        [--gunicorn [--workers 2] [--threads 8]] [--smoke]

Builds a fresh SQLite portal database (bench/smtp_auth.py's builder), serves the portal with Django's threaded
WSGI server on a loopback port (the same server pytest-django's live server uses; the cache is in-process memory,
or Redis with ``--redis``), and starts two Dovecot 2.3 deployed from the stock config plus mail_server_config's
files: one with the generated policy settings pointing at that server, one without. Alternating rounds of full
SMTP sessions (connect, EHLO, STARTTLS, EHLO, AUTH PLAIN with an app password, QUIT) on each; every policy
request's time inside the portal is recorded, and p50/p99 printed. With ``--gunicorn`` (``pip install gunicorn``,
the ``prod`` extra) the portal runs as deployed instead, and the times come from gunicorn's access log. Prints a
markdown table. ``--smoke``: 50 users, one round of 1 s (checks the bench works; the test suite runs it).
"""

import argparse
import contextlib
import os
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
SECRET = "bench-policy-secret-0123456789"
os.environ.setdefault("PORTAL_MAIL_POLICY_SECRET", SECRET)
os.environ.setdefault("PORTAL_MAIL_POLICY_HASH_NONCE", "bench-policy-nonce")

import tempfile  # noqa: E402

import smtp_auth  # noqa: E402  (builds the bench's database and measures SMTP sessions)

# The bench's own folder and SQLite database, set before Django starts.
WORK = Path(tempfile.mkdtemp(prefix="portal-policy-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
os.environ["DATABASE_URL"] = f"sqlite:///{WORK / 'portal.sqlite3'}"

DURATIONS: list[float] = []
COMMANDS: dict[str, int] = {}


def serve_portal():
    """The portal's WSGI app on a loopback port, timing each policy request."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    from tests.servers.process import free_port

    app = WSGIHandler()

    def timed(environ, start_response):
        started = time.perf_counter()
        try:
            return app(environ, start_response)
        finally:
            if environ.get("PATH_INFO") == "/mail-policy/":
                DURATIONS.append(time.perf_counter() - started)
                command = environ.get("QUERY_STRING", "")
                COMMANDS[command] = COMMANDS.get(command, 0) + 1

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    port = free_port()
    server = ThreadedWSGIServer(("127.0.0.1", port), Quiet, allow_reuse_address=True)
    server.set_app(timed)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{port}/mail-policy/"


def serve_gunicorn(redis_url: str, workers: int, threads: int):
    """The portal under gunicorn (gthread workers, Redis cache), as in production; request times from its access
    log (%(D)s, microseconds)."""
    import subprocess

    from tests.servers.process import free_port, wait_for_port

    port = free_port()
    log = WORK / "gunicorn-access.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "policy_bench_settings",
        "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'bench'}",
        "BENCH_REDIS_URL": redis_url,
    }
    argv = [
        str(Path(sys.executable).parent / "gunicorn"),
        "-w", str(workers), "-k", "gthread", "--threads", str(threads),
        "-b", f"127.0.0.1:{port}",
        "--access-logfile", str(log), "--access-logformat", "%(U)s %(q)s %(D)s",
        "portal.wsgi:application",
    ]  # fmt: skip
    process = subprocess.Popen(argv, env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
    wait_for_port(port, process=process)
    return process, f"http://127.0.0.1:{port}/mail-policy/", log


def gunicorn_durations(log: Path, offset: int) -> None:
    with log.open() as lines:
        lines.seek(offset)
        for line in lines:
            path, query, micros = line.split()
            if path == "/mail-policy/":
                DURATIONS.append(int(micros) / 1e6)
                COMMANDS[query] = COMMANDS.get(query, 0) + 1


def start_dovecot(*, policy_url: str, relay_port: int):
    from django.test.utils import override_settings

    from tests.servers.dovecot import Dovecot

    root = WORK / ("dovecot-policy" if policy_url else "dovecot-plain")
    root.mkdir(parents=True, exist_ok=True)
    dovecot = Dovecot(version="2.3", root=root, relay_port=relay_port)
    with override_settings(PORTAL_MAIL_POLICY_URL=policy_url):
        dovecot.deploy()
    assert (dovecot.etc / "conf.d/98-portal-policy.conf").exists() == bool(policy_url)
    return dovecot.start()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--redis", default="", help="e.g. redis://127.0.0.1:6379/7 (a database of its own)")
    parser.add_argument("--gunicorn", action="store_true", help="serve with gunicorn (needs --redis)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--smoke", action="store_true", help="50 users, one round of 1 s")
    args = parser.parse_args()
    if args.smoke:
        args.users, args.sample, args.seconds, args.rounds = 50, 50, 1.0, 1
    try:
        import django

        django.setup()
        logins = smtp_auth.build(args.users, args.sample, 1)["logins"]
        from django.conf import settings
        from django.core.cache import caches
        from django.db import connection

        if args.redis:
            settings.CACHES["default"] = {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": args.redis,
                "KEY_PREFIX": "portal_policy_bench",
            }
            with contextlib.suppress(AttributeError):  # not built yet
                del caches["default"]  # built again from the new settings
        connection.close()
        from tests.servers.smtp_sink import SmtpSink

        sink = SmtpSink().__enter__()
        if args.gunicorn:
            process, url, access_log = serve_gunicorn(args.redis, args.workers, args.threads)
        else:
            server, url = serve_portal()
        servers = {
            "policy off": start_dovecot(policy_url="", relay_port=sink.port),
            "policy on": start_dovecot(policy_url=url, relay_port=sink.port),
        }
        totals = dict.fromkeys(servers, 0.0)
        try:
            for dovecot in servers.values():
                smtp_auth.smtp_rate(dovecot.submission_port, logins, args.clients, 1.0)  # warm up
            DURATIONS.clear()
            COMMANDS.clear()
            log_offset = access_log.stat().st_size if args.gunicorn else 0
            for _round in range(args.rounds):
                for label, dovecot in servers.items():
                    rate, _latencies = smtp_auth.smtp_rate(
                        dovecot.submission_port, logins, args.clients, args.seconds / args.rounds
                    )
                    totals[label] += rate
        finally:
            for dovecot in servers.values():
                dovecot.__exit__(None, None, None)
            if args.gunicorn:
                time.sleep(1)  # the access log is written after each response
                gunicorn_durations(access_log, log_offset)
                process.terminate()
                process.wait(10)
            else:
                server.shutdown()
        off, on = totals["policy off"] / args.rounds, totals["policy on"] / args.rounds
        cache = "Redis" if args.redis else "in-process memory"
        cache += f", gunicorn {args.workers}x{args.threads} gthread" if args.gunicorn else ", Django's threaded server"
        print(
            f"\n{args.clients} clients, {args.seconds:.0f} s each, {os.cpu_count()} CPUs, {len(logins)} distinct "
            f"app passwords, {args.rounds} alternating rounds, Dovecot 2.3, cache: {cache}\n"
        )
        print("| SMTP AUTH through Dovecot | sessions/s | × policy off | policy endpoint p50 (ms) | p99 (ms) |")
        print("|---|---|---|---|---|")
        print(f"| policy off | {off:.1f} | 1.00 | | |")
        durations = sorted(DURATIONS)
        p50 = p99 = ""
        if durations:
            p50 = f"{statistics.median(durations) * 1000:.2f}"
            p99 = f"{durations[min(len(durations) - 1, int(len(durations) * 0.99))] * 1000:.2f}"
        print(f"| policy on (goal ≥ 0.95 ×) | {on:.1f} | {on / off:.2f} | {p50} | {p99} |")
        print(f"\npolicy endpoint: {len(durations)} requests {COMMANDS}")
    finally:
        if args.redis:  # only the bench's own keys
            import redis

            client = redis.Redis.from_url(args.redis)
            keys = list(client.scan_iter("portal_policy_bench:*"))
            if keys:
                client.delete(*keys)
        if not os.environ.get("PORTAL_KEEP_BENCH"):
            shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
