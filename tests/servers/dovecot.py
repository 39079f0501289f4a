"""Dovecot from Debian's packages, started with the project's SHIPPED config (deploy/dovecot/) rendered for the
test database, on free loopback ports.

What the rendering changes, and only this: paths (/etc/dovecot → a temporary directory), the database connect
string (the test database), and the static userdb's uid/home (no ``vmail`` user here). The instance adds what a
standalone server needs: its own base_dir/state_dir/logs, ``auth_failure_delay = 0``, ``mail_location``, the
``submission`` service on a free port relaying to an SMTP sink, and an auth listener on a free port (for Postfix).
The auth processes run as root here so they can read the SQLite test file wherever it lives; production keeps
Dovecot's defaults (docs/mail-server.md).
"""

import os
import re
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

from .process import LOOPBACK, ServerProcess, free_port

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "dovecot"
DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
DOVEADM = shutil.which("doveadm") or "/usr/bin/doveadm"


def connect_conf_for_test_database() -> str:
    """The shipped dovecot-sql-<driver>.conf.ext with its connect line pointing at the current test
    database."""
    settings = connection.settings_dict
    vendor = connection.vendor
    if vendor == "sqlite":
        shipped, connect = "sqlite", str(Path(settings["NAME"]).resolve())
    elif vendor == "postgresql":
        shipped = "pgsql"
        parts = {
            "host": settings["HOST"] or LOOPBACK,
            "port": settings["PORT"] or 5432,
            "dbname": settings["NAME"],
            "user": settings["USER"],
            "password": settings["PASSWORD"],
        }
        connect = " ".join(f"{key}={value}" for key, value in parts.items() if value)
    elif vendor == "mysql":
        shipped = "mysql"
        parts = {
            "host": settings["HOST"] or LOOPBACK,
            "port": settings["PORT"] or 3306,
            "dbname": settings["NAME"],
            "user": settings["USER"],
            "password": settings["PASSWORD"],
        }
        connect = " ".join(f"{key}={value}" for key, value in parts.items() if value)
    else:
        raise RuntimeError(f"no Dovecot driver for {vendor}")
    text = (DEPLOY / f"dovecot-sql-{shipped}.conf.ext").read_text()
    text, count = re.subn(r"(?m)^connect = .*$", lambda _m: f"connect = {connect}", text)
    assert count == 1, "the shipped connect file must have exactly one connect line"
    return text


@dataclass
class Dovecot:
    root: Path
    submission_port: int
    auth_port: int
    relay_port: int
    server: ServerProcess | None = None

    @property
    def config(self) -> Path:
        return self.root / "dovecot.conf"

    def render(self) -> None:
        for sub in ("etc", "run", "state", "mail"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        # Dovecot's unprivileged processes must traverse the tree; the mail user must write its maildir.
        os.chmod(self.root, 0o755)  # noqa: S103
        os.chmod(self.root / "mail", 0o1777)  # noqa: S103
        etc = self.root / "etc"
        for name in ("dovecot-sql-app-passwords.conf.ext", "dovecot-sql-main-password.conf.ext"):
            shutil.copyfile(DEPLOY / name, etc / name)
        (etc / "dovecot-sql-connect.conf.ext").write_text(connect_conf_for_test_database())
        portal = (DEPLOY / "dovecot-portal.conf").read_text().replace("/etc/dovecot/", f"{etc}/")
        portal, count = re.subn(
            r"(?m)^(\s*args = )uid=vmail gid=vmail home=\S+",
            lambda m: f"{m.group(1)}uid=nobody gid=nogroup home={self.root}/mail/%d/%n",
            portal,
        )
        assert count == 1, "the shipped userdb line changed; update the test rendering"
        (etc / "dovecot-portal.conf").write_text(portal)
        self.config.write_text(f"""# Generated for a test run from deploy/dovecot (tests/servers/dovecot.py)
instance_name = portal-test-{self.submission_port}
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
info_log_path = {self.root}/dovecot.log
protocols = submission
listen = {LOOPBACK}
ssl = no
disable_plaintext_auth = no
auth_failure_delay = 0
login_trusted_networks =
mail_location = maildir:{self.root}/mail/%d/%n
hostname = portal.test
submission_relay_host = {LOOPBACK}
submission_relay_port = {self.relay_port}
submission_relay_ssl = no
default_login_user = dovenull
default_internal_user = dovecot
service submission-login {{
  inet_listener submission {{
    address = {LOOPBACK}
    port = {self.submission_port}
  }}
}}
service auth {{
  user = root
  inet_listener {{
    address = {LOOPBACK}
    port = {self.auth_port}
  }}
}}
service auth-worker {{
  user = root
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0600
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
!include {etc}/dovecot-portal.conf
""")

    def check(self) -> str:
        """``dovecot -n``: the effective config; fails if Dovecot cannot parse it."""
        return subprocess.run(
            [DOVECOT, "-n", "-c", str(self.config)], check=True, capture_output=True, text=True
        ).stdout

    def auth_test(self, login: str, password: str, *, service: str = "smtp") -> bool:
        """``doveadm auth test`` against this instance (exit 0: accepted, 77: refused). A fresh remote IP per
        call keeps Dovecot's per-IP failure penalty out of the way, as in tests/servers/smtp_client.py."""
        rip = ".".join(["127", *(str(secrets.randbelow(250) + 1) for _ in range(3))])
        result = subprocess.run(
            [
                DOVEADM,
                "-c",
                str(self.config),
                "auth",
                "test",
                "-x",
                f"service={service}",
                "-x",
                f"rip={rip}",
                login,
                password,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode not in (0, 77):
            raise RuntimeError(f"doveadm auth test failed: {result.stderr}")
        return result.returncode == 0

    def log_text(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def __enter__(self) -> "Dovecot":
        self.render()
        return self.start()

    def start(self) -> "Dovecot":
        """Starts the rendered config (callers may adjust the files under ``root`` between render and
        start)."""
        self.check()
        self.server = ServerProcess(
            [DOVECOT, "-F", "-c", str(self.config)], port=self.submission_port, log=self.root / "stdout.log"
        ).__enter__()
        return self

    def __exit__(self, *exc_info) -> None:
        if self.server is not None:
            self.server.stop()


def dovecot_start(*, relay_port: int, root: Path | None = None) -> Dovecot:
    root = Path(root or tempfile.mkdtemp(prefix="portal-dovecot-"))
    return Dovecot(
        root=root, submission_port=free_port(), auth_port=free_port(), relay_port=relay_port
    ).__enter__()
