"""The web pages under load: gunicorn with the production settings, wrk from loopback, side by side with a minimal
Django view on the same server; then the peak memory of each worker.

    .venv/bin/python bench/web_load.py [--database-url postgres://postgres@127.0.0.1:5432/portal_bench]
        [--users 100000] [--seconds 10] [--connections 10] [--workers 2] [--smoke]

Seeds the database once (users sharing one password hash made with the configured hasher, 3 app passwords and a
security event each; later runs reuse it), starts gunicorn as ``scripts/serve`` does (sync workers, the
production settings, with ``bench/web_settings.py`` adding only the minimal views' URLs), signs people in over HTTP,
and runs wrk (``bench/wrk/portal.lua``) against: sign-in (the real password check), the Security overview, the
app-password list, creating an app password, and the two minimal views. Each signed-in page is requested with many
sessions in turn, as many people would. Prints a markdown table: p50, p99, requests/s, errors, and the ratios to
the minimal view; then each worker's peak RSS (VmHWM) after the load. ``--smoke``: a temporary SQLite database,
a few users, one second per page (to check the bench still works; the figures mean nothing).

Needs wrk (``scripts/install-system-packages bench``) and gunicorn (the ``prod`` extra). Binds 127.0.0.1 only.
"""

import argparse
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
sys.path[:0] = [str(ROOT), str(BENCH)]
PASSWORD = "Bench-Password-For-Load-1"
LUA = BENCH / "wrk" / "portal.lua"


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/portal_bench")
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sessions", type=int, default=50, help="signed-in sessions the pages cycle through")
    parser.add_argument("--smoke", action="store_true", help="tiny SQLite run, seconds (checks the bench works)")
    args = parser.parse_args()
    if args.smoke:
        args.work = Path(tempfile.mkdtemp(prefix="portal-web-smoke-"))
        args.database_url = f"sqlite:///{args.work / 'portal.sqlite3'}"
        args.users, args.seconds, args.connections, args.sessions = 30, 1, 2, 3
    else:
        args.work = Path(tempfile.mkdtemp(prefix="portal-web-bench-"))
    return args


def environment(args) -> dict:
    """What a deployer sets (scripts/serve's defaults), with the bench's settings module and database."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "web_settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(BENCH)]),
        "DATABASE_URL": args.database_url,
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        # No SMS is sent; the console gateway only needs the production check's consent.
        "PORTAL_SMS_GATEWAY": "console",
        "PORTAL_SILENCED_SYSTEM_CHECKS": "phone.E001",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        # The create bench makes hundreds of app passwords per person; the 25-a-user cap would turn them into 400s.
        "PORTAL_APP_PASSWORDS_MAX_ACTIVE": "1000000",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def create_postgres_database(url: str) -> None:
    parts = urllib.parse.urlparse(url)
    import psycopg

    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (parts.path.lstrip("/"),))
        if exists.fetchone() is None:
            connection.execute(f'CREATE DATABASE "{parts.path.lstrip("/")}"')


def seed(users: int) -> str:
    """Users bench0..bench{N-1}@example.com, 3 app passwords and an event each. Returns the hasher's description."""
    import hashlib

    from django.conf import settings
    from django.contrib.auth.hashers import identify_hasher, make_password
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from security.app_passwords.models import AppPassword
    from security.models import SecurityEvent

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    # The configured hasher at the configured cost, computed once for everybody (the sign-in bench verifies it).
    hashed = make_password(PASSWORD)
    hasher = identify_hasher(hashed)
    have = User.objects.filter(email__endswith="@example.com", email__startswith="bench").count()
    now = timezone.now()
    agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537"
    for start in range(have, users, 5000):
        with transaction.atomic():
            made = User.objects.bulk_create(
                User(email=f"bench{n}@example.com", password=hashed, language="en", date_joined=now)
                for n in range(start, min(start + 5000, users))
            )
            AppPassword.objects.bulk_create(
                AppPassword(
                    user=user,
                    name=name,
                    scope="all",
                    token_sha256=hashlib.sha256(f"{user.email}/{name}".encode()).hexdigest(),
                    created_at=now,
                )
                for user in made
                for name in ("Outlook", "Thunderbird", "iPhone Mail")
            )
            SecurityEvent.objects.bulk_create(
                SecurityEvent(
                    user=user, actor=user, actor_kind="user", kind=kind, ip_address="203.0.113.7", user_agent=agent
                )
                for user in made
                for kind in ("account.signed_in",)
            )
    if users > have and settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    description = f"{hasher.algorithm}"
    if "argon2" in hasher.algorithm:
        description += (
            f" t={settings.PORTAL_ARGON2_TIME_COST} m={settings.PORTAL_ARGON2_MEMORY_COST_KIB // 1024} MiB"
            f" p={settings.PORTAL_ARGON2_PARALLELISM}"
        )
    return description


def start_gunicorn(args, env, log: Path):
    """The command line scripts/serve execs, with the bench's settings module (same settings, two more URLs)."""
    from tests.servers.process import free_port, wait_for_port

    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    port = free_port()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "portal.wsgi",
            "--bind", f"127.0.0.1:{port}",
            "--workers", str(args.workers),
            "--access-logfile", "/dev/null",
            "--error-logfile", "-",
            "--capture-output",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    wait_for_port(port, process=process, timeout=60)
    return process, port


def sign_in_sessions(port: int, first_user: int, count: int) -> tuple[list[str], str, str]:
    """Signs ``count`` people in over HTTP (the real sign-in), 8 at a time. Returns their cookie headers, and one
    anonymous CSRF cookie with its form token for the sign-in bench."""
    from tests.servers.portal_node import _CSRF_FIELD, WebClient

    server = SimpleNamespace(port=port)

    def one(n: int) -> str:
        client = WebClient(server)
        response = client.sign_in(f"bench{n}@example.com", PASSWORD)
        assert response.status == 302, f"sign-in of bench{n} answered {response.status}"
        return "; ".join(f"{k}={v}" for k, v in client.cookies.items())

    with ThreadPoolExecutor(8) as pool:
        cookies = list(pool.map(one, range(first_user, first_user + count)))
    anonymous = WebClient(server)
    page = anonymous.get("/account/sign-in/")
    token = _CSRF_FIELD.search(page.body).group(1)
    csrf_cookie = "; ".join(f"{k}={v}" for k, v in anonymous.cookies.items())
    return cookies, csrf_cookie, token


def csrf_token_for(port: int, cookie: str, path: str) -> str:
    """A form token valid with ``cookie``'s CSRF cookie (the cookie is not rotated by a GET)."""
    from tests.servers.portal_node import _CSRF_FIELD, WebClient

    client = WebClient(SimpleNamespace(port=port))
    client.cookies = dict(part.split("=", 1) for part in cookie.split("; "))
    page = client.get(path)
    assert page.status == 200, f"{path} answered {page.status}"
    return _CSRF_FIELD.search(page.body).group(1)


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([a-z]+)", text).groups()
    return float(number) * UNITS[unit]


def wrk(args, port: int, *, path: str, method: str = "GET", cookies: list[str] = (), body: str = "",
        user_first: int = 0, user_count: int = 1, expect: int = 200) -> dict:
    cookie_file = args.work / f"cookies-{secrets.token_hex(4)}"
    cookie_file.write_text("\n".join(cookies) + "\n")
    env = {
        **os.environ,
        "BENCH_METHOD": method,
        "BENCH_PATH": path,
        "BENCH_COOKIES": str(cookie_file) if cookies else "",
        "BENCH_BODY": body,
        "BENCH_USER_FIRST": str(user_first),
        "BENCH_USER_COUNT": str(user_count),
        "BENCH_EXPECT": str(expect),
        "BENCH_RUN": secrets.token_hex(6),
    }
    threads = min(2, args.connections)
    result = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{args.connections}", f"-d{args.seconds}s", "--latency", "--timeout", "10s",
         "-s", str(LUA), f"http://127.0.0.1:{port}"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    out = result.stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    unexpected = int(re.search(r"Unexpected status: (\d+)", out).group(1))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "p50": milliseconds(latency["50"]) if latency else float("nan"),
        "p99": milliseconds(latency["99"]) if latency else float("nan"),
        "rate": float(re.search(r"Requests/sec:\s+(\S+)", out).group(1)),
        "requests": requests,
        "errors": max(unexpected, int(errors.group(1)) if errors else 0)
        + (sum(int(n) for n in socket_errors.groups()) if socket_errors else 0),
    }


def sequential(port: int, cookie: str, path: str, n: int) -> float:
    """Median milliseconds of ``n`` requests one at a time (no queueing: the cost of one page)."""
    import http.client

    timings = []
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Host": "localhost", "X-Forwarded-Proto": "https", "Accept-Language": "en", "Cookie": cookie}
    for _ in range(n):
        started = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, f"{path} answered {response.status}"
    connection.close()
    return statistics.median(timings)


def drained(port: int) -> None:
    """Waits until the workers have finished what wrk left queued when it stopped (slow sign-ins, mostly), so the
    next page is not timed behind them."""
    import http.client

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/bench/minimal/", headers={"Host": "localhost", "X-Forwarded-Proto": "https"})
        connection.getresponse().read()
        connection.close()
        if time.perf_counter() - started < 0.05:
            return
        time.sleep(0.2)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far (from /proc; a process that is gone counts 0)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def worker_pids(master_pid: int) -> list[int]:
    return [int(pid) for pid in Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()]


def database_backend_pids() -> list[int]:
    """The PostgreSQL server processes serving the bench's database (the workers keep theirs open), or []."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        pids = [row[0] for row in cursor.fetchall()]
    connection.close()
    return pids


def peak_rss(master_pid: int) -> list[tuple[int, int]]:
    """(pid, VmHWM in KiB) of each worker: the most resident memory each ever had."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    peaks = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        peaks.append((int(pid), int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))))
    return peaks


def main():
    args = arguments()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: scripts/install-system-packages bench")
    env = environment(args)
    os.environ.update({k: v for k, v in env.items() if k != "PYTHONPATH"})
    if args.database_url.startswith("postgres"):
        create_postgres_database(args.database_url)
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    started = time.monotonic()
    hasher = seed(args.users)
    load_before = os.getloadavg()[0]
    seeded = time.monotonic() - started
    vendor = connection.vendor
    database = {"postgresql": "PostgreSQL", "mysql": "MariaDB", "sqlite": "SQLite"}[vendor]
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            database += " " + cursor.fetchone()[0].split()[0]
    connection.close()

    log = args.work / "gunicorn.log"
    process, port = start_gunicorn(args, env, log)
    try:
        # People in the upper half of the users sign in; the sign-in bench uses the lower half.
        first = args.users // 2
        cookies, csrf_cookie, sign_in_token = sign_in_sessions(port, first, args.sessions)
        pages = {}

        def run(label: str, **kwargs):
            workers, backends = worker_pids(process.pid), database_backend_pids()
            before = cpu_seconds(workers), cpu_seconds(backends)
            pages[label] = figures = wrk(args, port, **kwargs)
            # Backends opened during the run (a worker's first query) are counted from zero.
            backends = sorted(set(backends) | set(database_backend_pids()))
            served = max(figures["requests"], 1)
            figures["worker_cpu"] = (cpu_seconds(workers) - before[0]) * 1000 / served
            figures["database_cpu"] = (cpu_seconds(backends) - before[1]) * 1000 / served
            drained(port)

        create_token = csrf_token_for(port, cookies[0], "/app-passwords/new/")
        csrf_only = csrf_cookie
        # Every session's CSRF cookie differs; the create bench sends one shared CSRF cookie with its token.
        shared_csrf = next(p for p in cookies[0].split("; ") if p.startswith(settings.CSRF_COOKIE_NAME + "="))
        create_cookies = [
            "; ".join([*(p for p in c.split("; ") if not p.startswith(settings.CSRF_COOKIE_NAME + "=")), shared_csrf])
            for c in cookies
        ]
        sequential_overview = sequential(port, cookies[0], "/", 20 if args.smoke else 200)
        # Warm both workers (imports, template loading, the ua-parser cache) before anything is timed.
        wrk(args, port, path="/", cookies=cookies)
        wrk(args, port, path="/bench/minimal/")
        drained(port)
        run("minimal view (no session)", path="/bench/minimal/")
        run("minimal view, signed in", path="/bench/minimal-signed-in/", cookies=cookies)
        run("overview `/`", path="/", cookies=cookies)
        run("app-password list", path="/app-passwords/", cookies=cookies)
        run(
            "create an app password (POST)",
            path="/app-passwords/new/",
            method="POST",
            cookies=create_cookies,
            body=urllib.parse.urlencode(
                {"csrfmiddlewaretoken": create_token, "name": "Bench {key}", "scope": "all", "creation_key": "{key}"}
            ).replace("%7Bkey%7D", "{key}"),
        )
        run(
            "sign-in (POST, password checked)",
            path="/account/sign-in/",
            method="POST",
            cookies=[csrf_only],
            body=urllib.parse.urlencode(
                {"csrfmiddlewaretoken": sign_in_token, "username": "bench{user}@example.com", "password": PASSWORD}
            ).replace("%7Buser%7D", "{user}"),
            user_first=0,
            user_count=max(1, first),
            expect=302,
        )
        run("overview `/` (again, after the writes)", path="/", cookies=cookies)
        peaks = peak_rss(process.pid)
        load_after = os.getloadavg()[0]
    finally:
        process.terminate()
        process.wait(timeout=30)

    floor = pages["minimal view (no session)"]["rate"]
    print(
        f"\n{database}, {args.users:,} users, gunicorn {args.workers} sync workers, wrk {args.connections} "
        f"connections x {args.seconds:g} s each, {len(cookies)} signed-in sessions in turn, {os.cpu_count()} CPUs; "
        f"password hasher {hasher}; seeding took {seeded:.0f} s; load average {load_before:.1f} before the load, "
        f"{load_after:.1f} after\n"
    )
    database_cpu = "PostgreSQL CPU" if vendor == "postgresql" else "database CPU (in the worker's)"
    print(
        f"| page | p50 (ms) | p99 (ms) | requests/s | × minimal view's req/s | errors | worker CPU (ms/request) "
        f"| {database_cpu} (ms/request) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for label, figures in pages.items():
        print(
            f"| {label} | {figures['p50']:.1f} | {figures['p99']:.1f} | {figures['rate']:.1f} | "
            f"{figures['rate'] / floor:.2f} | {figures['errors']} | {figures['worker_cpu']:.2f} | "
            f"{figures['database_cpu']:.2f} |"
        )
    print("\n| measured | value |")
    print("|---|---|")
    print(f"| overview, one request at a time (median of {20 if args.smoke else 200}) | {sequential_overview:.1f} ms |")
    for n, (_pid, kib) in enumerate(peaks, 1):
        print(f"| peak RSS of worker {n} after the load (VmHWM) | {kib / 1024:.0f} MiB |")
    overview = pages["overview `/`"]
    signed_in_floor = pages["minimal view, signed in"]["rate"]
    print("\n| goal (issue 20) | target | measured | met |")
    print("|---|---|---|---|")
    print(f"| overview p50 at {args.connections} connections | < 50 ms | {overview['p50']:.1f} ms | "
          f"{'yes' if overview['p50'] < 50 else 'no'} |")
    print(f"| overview req/s ÷ minimal view's (no session) | ≥ 0.5 | {overview['rate'] / floor:.2f} | "
          f"{'yes' if overview['rate'] >= floor / 2 else 'no'} |")
    print(f"| overview req/s ÷ minimal signed-in view's | ≥ 0.5 | {overview['rate'] / signed_in_floor:.2f} | "
          f"{'yes' if overview['rate'] >= signed_in_floor / 2 else 'no'} |")
    failed = [label for label, figures in pages.items() if figures["errors"]]
    if failed:
        print(f"errors on: {', '.join(failed)}; see {log}", file=sys.stderr)
        sys.exit(1)
    shutil.rmtree(args.work, ignore_errors=True)


if __name__ == "__main__":
    main()
