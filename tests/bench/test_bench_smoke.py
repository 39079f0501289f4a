"""Every benchmark in bench/ still runs: each is started with ``--smoke`` (tiny data, a second or two of load) as
``make bench`` would start it, and must exit 0 and print a markdown table with at least one row. The figures mean
nothing at that size; this only keeps the benchmarks from rotting between full runs.

The scripts make their own databases (temporary SQLite files, a PostgreSQL cluster of their own for replica_lag), so
this runs once, in the SQLite pass (marker ``bench``). They run four at a time (most of each is waiting on
servers), to keep the whole under a minute.
"""

import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Every script in bench/ that measures something (the settings and URL modules only serve web_load.py).
SCRIPTS = [
    "explain_lookups.py",
    "key_census.py",
    "mail_discovery.py",
    "mail_policy.py",
    "phone_sms.py",
    "replica_lag.py",
    "smtp_auth.py",
    "web_load.py",
]
NOT_SCRIPTS = {"policy_bench_settings.py", "web_settings.py", "web_urls.py", "run_all.py"}
TIMEOUT = 120

pytestmark = pytest.mark.bench


def run(script: str) -> tuple[subprocess.CompletedProcess, float]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--smoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    return result, time.monotonic() - started


@pytest.fixture(scope="module")
def smoke_runs():
    with ThreadPoolExecutor(4) as pool:
        futures = {script: pool.submit(run, script) for script in SCRIPTS}
        yield futures


def markdown_tables(text: str) -> list[list[list[str]]]:
    """Each table as its rows of cells (header first, the |---| line dropped)."""
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


def test_every_bench_script_is_smoke_tested():
    present = {path.name for path in (ROOT / "bench").glob("*.py")} - NOT_SCRIPTS
    assert present == set(SCRIPTS)


# smtp_auth starts a Dovecot per database (SQLite, PostgreSQL, MariaDB) and settles each one before timing.
SMOKE_SECONDS_ALLOWED = {"smtp_auth.py": 150}


@pytest.mark.parametrize("script", SCRIPTS)
def test_bench_runs_with_smoke_and_prints_a_table(smoke_runs, script):
    result, seconds = smoke_runs[script].result()
    assert result.returncode == 0, f"{script} --smoke failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    tables = markdown_tables(result.stdout)
    assert tables, f"{script} --smoke printed no markdown table:\n{result.stdout[-3000:]}"
    for table in tables:
        header, *rows = table
        assert rows and all(len(row) == len(header) for row in rows), table
    limit = SMOKE_SECONDS_ALLOWED.get(script, 60)
    assert seconds < limit, f"{script} --smoke took {seconds:.0f} s (allowed {limit} s)"


def test_the_table_parser_finds_tables_and_rejects_non_tables():
    text = "intro\n| a | b |\n|---|---|\n| 1 | 2 |\n\n| not | a table |\n| x | y |\n"
    assert markdown_tables(text) == [[["a", "b"], ["1", "2"]]]
