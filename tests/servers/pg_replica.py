"""A PostgreSQL primary and a streaming standby of our own, on free loopback ports, in temporary folders.

Built with the installed PostgreSQL binaries the way a deployer builds a standby (``initdb``, ``pg_basebackup -R``),
never touching the shared server on 5432: a synchronous standby that went missing there would stall every commit
of every test. The daemons run as the ``postgres`` system user, since PostgreSQL refuses to run as root.
"""

import contextlib
import glob
import os
import pwd
import subprocess
import time
from pathlib import Path

import psycopg

from tests.servers.process import LOOPBACK, free_port

BIN = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1])
STANDBY_NAME = "dovecot_standby"


def _as_postgres(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run(prefix + argv, check=True, capture_output=True, text=True, **kwargs)


class Replicated:
    """``primary_port`` takes the portal's writes; ``standby_port`` is what Dovecot reads."""

    def __init__(self, root: Path):
        self.root = root
        self.primary_dir, self.standby_dir = root / "primary", root / "standby"
        self.primary_port, self.standby_port = free_port(), free_port()

    def url(self, port: int, database: str = "postgres") -> str:
        return f"postgres://postgres@{LOOPBACK}:{port}/{database}"

    def sql(self, port: int, statement: str, params=(), *, database: str = "postgres"):
        with psycopg.connect(self.url(port, database), autocommit=True) as connection:
            cursor = connection.execute(statement, params)
            return cursor.fetchall() if cursor.description else None

    def __enter__(self) -> "Replicated":
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            entry = pwd.getpwnam("postgres")
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        _as_postgres([str(BIN / "initdb"), "-D", str(self.primary_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8"])
        with (self.primary_dir / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {self.primary_port}\nlisten_addresses = '{LOOPBACK}'\n"
                f"unix_socket_directories = '{self.root}'\nwal_level = replica\nmax_wal_senders = 4\n"
                # The setting the walkthrough tells deployers to make (docs/deploy.md).
                f"synchronous_standby_names = '{STANDBY_NAME}'\n"
                "fsync = off\n"
            )
        with (self.primary_dir / "pg_hba.conf").open("a") as hba:
            hba.write(f"host replication postgres {LOOPBACK}/32 trust\n")
        self._start(self.primary_dir, "primary")
        _as_postgres(
            [str(BIN / "pg_basebackup"), "-h", LOOPBACK, "-p", str(self.primary_port), "-U", "postgres",
             "-D", str(self.standby_dir), "-R", "-X", "stream"]
        )
        with (self.standby_dir / "postgresql.auto.conf").open("a") as conf:
            conf.write(
                f"primary_conninfo = 'host={LOOPBACK} port={self.primary_port} user=postgres "
                f"application_name={STANDBY_NAME}'\nport = {self.standby_port}\nhot_standby = on\n"
            )
        self._start(self.standby_dir, "standby")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            rows = self.sql(self.primary_port, "SELECT sync_state FROM pg_stat_replication")
            if rows and rows[0][0] == "sync":
                return self
            time.sleep(0.2)
        raise RuntimeError("the standby never became synchronous")

    def _start(self, data: Path, name: str) -> None:
        _as_postgres([str(BIN / "pg_ctl"), "-D", str(data), "-l", str(self.root / f"{name}.log"), "-w", "start"])

    def __exit__(self, *exc_info) -> None:
        for data in (self.standby_dir, self.primary_dir):
            with contextlib.suppress(subprocess.CalledProcessError):
                _as_postgres([str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
