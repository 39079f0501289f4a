"""Security overview under load: 100k users, gunicorn on loopback, wrk for concurrency; prints p50/p99.

    .venv/bin/python bench/web_overview.py [--database-url postgres://postgres@127.0.0.1:5432/portal_bench]
                                           [--users 100000] [--seconds 15] [--connections 8]

Needs wrk (apt-get install wrk). Seeds the database once (users with one shared password hash, a few events
each), signs one user in, then measures: the median of sequential requests, and wrk's latency percentiles under
concurrent load. Everything binds to 127.0.0.1.
"""

import argparse
import http.cookiejar
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PASSWORD = "Bench-Password-For-Overview-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def django_env(database_url: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
        "DEBUG": "false",
        "DATABASE_URL": database_url,
        # DEBUG is off, so the console SMS gateway is refused (phone.E001); the bench sends no SMS.
        "PORTAL_SMS_GATEWAY": "twilio",
        "PORTAL_TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "PORTAL_TWILIO_AUTH_TOKEN": "unused",
        "PORTAL_TWILIO_FROM": "+15005550006",
        "PYTHONPATH": str(ROOT),
    }


SEED = """
import django, random
django.setup()
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from accounts.models import User
from security.models import SecurityEvent
wanted = int({users})
have = User.objects.count()
if have < wanted:
    hashed = make_password({password!r})
    now = timezone.now()
    for start in range(have, wanted, 5000):
        batch = [User(email=f"bench{{n}}@example.com", password=hashed, language="en")
                 for n in range(start, min(start + 5000, wanted))]
        User.objects.bulk_create(batch)
    ids = list(User.objects.filter(security_events__isnull=True).values_list("id", flat=True))
    for start in range(0, len(ids), 5000):
        SecurityEvent.objects.bulk_create([
            SecurityEvent(user_id=i, actor_id=i, actor_kind="user", kind="account.signed_in",
                          ip_address="203.0.113.7", user_agent="Mozilla/5.0 (Windows NT 10.0) Chrome/120.0")
            for i in ids[start:start + 5000] for _ in range(3)
        ])
print(User.objects.count(), "users,", SecurityEvent.objects.count(), "events")
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/portal_bench")
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk")
    env = django_env(args.database_url)
    if args.database_url.startswith("postgres"):
        name = urllib.parse.urlparse(args.database_url).path.lstrip("/")
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", f"CREATE DATABASE {name}"], capture_output=True
        )
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([PYTHON, "manage.py", "createcachetable"], cwd=ROOT, env=env, check=True)
    subprocess.run([PYTHON, "-c", SEED.format(users=args.users, password=PASSWORD)], cwd=ROOT, env=env, check=True)

    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "portal.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "portal.settings.dev"},
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/account/sign-in/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(f"{base}/account/sign-in/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        user = f"bench{args.users // 2}@example.com"
        form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": user, "password": PASSWORD})
        opener.open(
            urllib.request.Request(
                f"{base}/account/sign-in/", data=form.encode(), headers={"Referer": f"{base}/account/sign-in/"}
            )
        )
        session = next(c.value for c in jar if c.name == "sessionid")

        timings = []
        for _ in range(200):
            started = time.perf_counter()
            body = opener.open(f"{base}/").read()
            timings.append((time.perf_counter() - started) * 1000)
        assert b'data-card="two-step"' in body, "not signed in"
        print(
            f"sequential: median {statistics.median(timings):.1f} ms, "
            f"p99 {statistics.quantiles(timings, n=100)[98]:.1f} ms over {len(timings)} requests"
        )

        result = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{args.connections}",
                f"-d{args.seconds}s",
                "--latency",
                "-H",
                f"Cookie: sessionid={session}",
                f"{base}/",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", result.stdout, re.M))
        rate = re.search(r"Requests/sec:\s+(\S+)", result.stdout).group(1)
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
        print(
            f"wrk {args.connections} connections, {args.seconds}s: p50 {latency['50']}, p99 {latency['99']}, "
            f"{rate} req/s, non-2xx {errors.group(1) if errors else 0}"
        )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
