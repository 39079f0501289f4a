"""``make bench``: every benchmark in one run, then one markdown table of all their figures.

    .venv/bin/python bench/run_all.py [--database-prefix portal_bench] [--only web_load,smtp_auth] [--smoke]

Runs each script in BENCHES in turn (their own output streams to the terminal as they go, and is kept in
``bench/results/<time>/``), collects the markdown tables each prints, and prints them as one table: one line per
row measured, with the bench, the row's label and its figures. Databases: PostgreSQL and MariaDB on 127.0.0.1 as
root/postgres (the test suite's servers), one database per bench named ``<prefix>_<bench>``, created when missing
and kept, so a second run skips the seeding. ``--smoke`` passes ``--smoke`` to each (what the test suite checks).
"""

import argparse
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG = "postgres://postgres@127.0.0.1:5432/{name}"
MARIADB = "mysql://root@127.0.0.1:3306/{name}"


def benches(prefix: str) -> list[tuple[str, list[str], dict]]:
    """(label, arguments, extra environment). The auth-lookup benches choose their own databases and sizes."""
    return [
        ("web_load", ["web_load.py", "--database-url", PG.format(name=f"{prefix}_web")], {}),
        # Both run on SQLite, PostgreSQL and MariaDB themselves, each in databases of this name.
        ("smtp_auth", ["smtp_auth.py", "--db-name", f"{prefix}_auth"], {}),
        ("explain_lookups", ["explain_lookups.py", "--db-name", f"{prefix}_lookups"], {}),
        ("mail_policy", ["mail_policy.py"], {}),
        ("key_census", ["key_census.py", "--users", "2000"], {"DATABASE_URL": PG.format(name=f"{prefix}_census")}),
        ("mail_discovery", ["mail_discovery.py"], {}),
        ("phone_sms", ["phone_sms.py"], {}),
        ("replica_lag", ["replica_lag.py"], {}),
    ]


def database_create(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
            if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
                connection.execute(f'CREATE DATABASE "{name}"')
    elif url.startswith("mysql"):
        import MySQLdb

        connection = MySQLdb.connect(host="127.0.0.1", port=3306, user="root")
        connection.cursor().execute(
            f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )
        connection.close()


def markdown_tables(text: str) -> list[list[list[str]]]:
    """Each table as its rows of cells, header first (the |---| line dropped)."""
    tables, current = [], []
    for line in [*text.splitlines(), ""]:
        line = line.strip()
        if line.startswith("|") and line.endswith("|"):
            current.append([cell.strip() for cell in line[1:-1].split("|")])
            continue
        if len(current) >= 3 and all(re.fullmatch(r":?-{3,}:?", cell) for cell in current[1]):
            tables.append([current[0], *current[2:]])
        current = []
    return tables


def run(label: str, argv: list[str], env: dict, log: Path) -> tuple[int, str, float]:
    started = time.monotonic()
    if "DATABASE_URL" in env:
        database_create(env["DATABASE_URL"])
    for arg in argv:
        if arg.startswith(("postgres://", "mysql://")):
            database_create(arg)
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / argv[0]), *argv[1:]],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")},
            "PYTHONUNBUFFERED": "1",
            **env,
        },
        stdout=subprocess.PIPE,
        text=True,
    )
    out = []
    with log.open("w") as kept:
        for line in process.stdout:
            sys.stderr.write(line)
            kept.write(line)
            out.append(line)
    return process.wait(), "".join(out), time.monotonic() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-prefix", default="portal_bench")
    parser.add_argument("--only", default="", help="comma-separated labels (or their first word)")
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    results = ROOT / "bench" / "results" / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    results.mkdir(parents=True, exist_ok=True)
    wanted = {w.strip() for w in args.only.split(",") if w.strip()}
    started = time.monotonic()
    load_before = os.getloadavg()
    rows, failures, timings = [], [], []
    for label, argv, env in benches(args.database_prefix):
        if wanted and label not in wanted and label.split()[0] not in wanted:
            continue
        argv = [*argv, "--smoke"] if args.smoke else argv
        sys.stderr.write(f"\n=== {label}: bench/{' '.join(argv)}\n")
        code, out, seconds = run(label, argv, env, results / f"{label.replace(' ', '_')}.txt")
        timings.append((label, seconds))
        if code != 0:
            failures.append(f"{label} (exit {code})")
        for header, *body in markdown_tables(out):
            for row in body:
                pairs = zip(header[1:], row[1:], strict=False)
                figures = " · ".join(f"{name}: {value}" for name, value in pairs if value)
                rows.append((label, f"{header[0]}: {row[0]}" if header[0] else row[0], figures))
    total = time.monotonic() - started
    print(
        f"\n`make bench` on {os.cpu_count()} CPUs, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {total / 60:.1f} min "
        f"({', '.join(f'{label} {seconds:.0f} s' for label, seconds in timings)}); load average "
        f"{load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after\n"
    )
    print("| bench | measured | figures |")
    print("|---|---|---|")
    for label, measured, figures in rows:
        print(f"| {label} | {measured} | {figures} |")
    print(f"\nEach bench's own output: {results.relative_to(ROOT)}/")
    if failures:
        print(f"Failed: {', '.join(failures)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
