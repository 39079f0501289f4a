"""Postfix from Debian's packages as a loopback-only SMTP server whose SMTP AUTH is checked by a test Dovecot
(``smtpd_sasl_type = dovecot``), using the SASL lines shipped in deploy/postfix/main.cf.

The instance has its own config_directory, queue_directory and data_directory under a temporary directory,
listens
on one free loopback port, and runs only ``smtpd`` and the helpers it calls during a session (proxymap,
anvil, trivial-rewrite, cleanup, postlogd). Rendering changes only
``smtpd_sasl_path`` (Dovecot's auth listener on a loopback port instead of a socket under the system queue)
and
``smtpd_tls_auth_only`` (no TLS certificate in a test).
"""

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .process import LOOPBACK, ServerProcess, free_port

SHIPPED_MAIN_CF = Path(__file__).resolve().parents[2] / "deploy" / "postfix" / "main.cf"
POSTFIX = shutil.which("postfix") or "/usr/sbin/postfix"


def shipped_sasl_lines(*, auth_port: int) -> str:
    """The non-comment lines of deploy/postfix/main.cf, with the two test substitutions."""
    lines = []
    for line in SHIPPED_MAIN_CF.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        line = re.sub(r"^smtpd_sasl_path = .*$", f"smtpd_sasl_path = inet:{LOOPBACK}:{auth_port}", line)
        line = re.sub(r"^smtpd_tls_auth_only = .*$", "smtpd_tls_auth_only = no", line)
        lines.append(line)
    assert any(line.startswith("smtpd_sasl_type = dovecot") for line in lines)
    return "\n".join(lines)


@dataclass
class Postfix:
    root: Path
    auth_port: int
    port: int = 0
    server: ServerProcess | None = None

    def render(self) -> None:
        self.port = self.port or free_port()
        config = self.root / "etc"
        for sub in ("etc", "queue", "data"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o755)
        shutil.chown(self.root / "data", user="postfix")
        (config / "main.cf").write_text(f"""# Generated for a test run (tests/servers/postfix.py)
compatibility_level = 3.6
queue_directory = {self.root}/queue
data_directory = {self.root}/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = {LOOPBACK}
inet_protocols = ipv4
myhostname = postfix.test
mydestination =
mynetworks = 127.0.0.0/8
maillog_file_prefixes = {self.root}
maillog_file = {self.root}/postfix.log
smtpd_banner = $myhostname ESMTP
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
{shipped_sasl_lines(auth_port=self.auth_port)}
""")
        (config / "master.cf").write_text(f"""# service type private unpriv chroot wakeup maxproc command
{LOOPBACK}:{self.port} inet n - n - - smtpd
postlog unix-dgram n - n - 1 postlogd
proxymap unix - - n - - proxymap
anvil unix - - n - 1 anvil
rewrite unix - - n - - trivial-rewrite
cleanup unix n - n - 0 cleanup
""")

    def __enter__(self) -> "Postfix":
        self.render()
        config = str(self.root / "etc")
        subprocess.run([POSTFIX, "-c", config, "check"], check=True, capture_output=True, text=True)
        self.server = ServerProcess(
            [POSTFIX, "-c", config, "start-fg"], port=self.port, log=self.root / "stdout.log"
        ).__enter__()
        return self

    def __exit__(self, *exc_info) -> None:
        if self.server is not None:
            subprocess.run([POSTFIX, "-c", str(self.root / "etc"), "stop"], capture_output=True, check=False)
            self.server.stop()

    def log_text(self) -> str:
        path = self.root / "postfix.log"
        return path.read_text(errors="replace") if path.exists() else ""
