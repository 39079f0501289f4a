"""How far a streaming standby trails the primary on this machine, and what ``remote_apply`` costs a commit.

Starts a primary and a synchronous standby of its own (tests/servers/pg_replica.py), commits 200 one-row
updates under each ``synchronous_commit`` mode, and for each measures the commit's latency and, for the modes
that do not wait for the standby, how long until the standby shows the row. Run:
``.venv/bin/python bench/replica_lag.py [--smoke]`` (``--smoke``: 10 commits per mode, to check the bench works).
Prints a markdown table.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.servers.pg_replica import Replicated


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200, help="commits per synchronous_commit mode")
    parser.add_argument("--smoke", action="store_true", help="10 commits per mode")
    args = parser.parse_args()
    rounds = 10 if args.smoke else args.rounds
    root = Path(tempfile.mkdtemp(prefix="portal-replica-bench-"))
    root.chmod(0o755)
    with Replicated(root / "pg") as cluster:
        cluster.sql(cluster.primary_port, "CREATE TABLE probe (id int PRIMARY KEY, n bigint)")
        cluster.sql(cluster.primary_port, "INSERT INTO probe VALUES (1, 0)")
        primary = psycopg.connect(cluster.url(cluster.primary_port), autocommit=True)
        standby = psycopg.connect(cluster.url(cluster.standby_port), autocommit=True)
        print("| synchronous_commit | commit p50 (ms) | commit p99 (ms) | standby shows it after, p50 / max (ms) |")
        print("|---|---|---|---|")
        n = 0
        for mode in ("local", "on", "remote_apply"):
            primary.execute(f"SET synchronous_commit = {mode}")
            commits, lags = [], []
            for _ in range(rounds):
                n += 1
                started = time.perf_counter()
                primary.execute("UPDATE probe SET n = %s WHERE id = 1", (n,))
                committed = time.perf_counter()
                commits.append((committed - started) * 1000)
                while standby.execute("SELECT n FROM probe WHERE id = 1").fetchone()[0] != n:
                    pass
                lags.append((time.perf_counter() - committed) * 1000)
            commits.sort()
            print(
                f"| {mode} | {statistics.median(commits):.2f} | {commits[int(len(commits) * 0.99) - 1]:.2f} | "
                f"{statistics.median(lags):.2f} / {max(lags):.2f} |"
            )


if __name__ == "__main__":
    main()
