"""Postfix from Debian's packages checking SMTP AUTH through Dovecot's unix socket, with the lines
``manage.py mail_server_config`` wrote (``postfix/main.cf`` and the ``submission`` service of ``postfix/master.cf``).

The instance has its own config_directory, and its queue_directory is the one the deployed Dovecot put its
auth socket in (``private/auth``). It listens on one free loopback port and runs only ``smtpd`` and the helpers
a session needs. Test-side changes, as the walkthrough's own steps: the certificate line (a certificate the
test made), the submission service's port (a free one instead of 587), and its chroot column (``n``: a test
queue has no chroot tree).
"""

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .process import LOOPBACK, ServerProcess, free_port

POSTFIX = shutil.which("postfix") or "/usr/sbin/postfix"


def generated_lines(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line.strip() and not line.lstrip().startswith("#")]


@dataclass
class Postfix:
    root: Path
    queue: Path  # the deployed Dovecot's postfix_queue
    generated: Path  # the folder mail_server_config wrote (its postfix/ subfolder)
    cert: Path
    key: Path
    port: int = 0
    server: ServerProcess | None = None

    def render(self) -> None:
        self.port = self.port or free_port()
        config = self.root / "etc"
        for sub in ("etc", "data"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o755)
        shutil.chown(self.root / "data", user="postfix")
        main = generated_lines(self.generated / "main.cf")
        assert "smtpd_sasl_type = dovecot" in main and "smtpd_sasl_path = private/auth" in main
        assert "smtpd_tls_auth_only = yes" in main
        (config / "main.cf").write_text(
            f"""# Generated for a test run (tests/servers/postfix.py)
compatibility_level = 3.6
queue_directory = {self.queue}
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
# The generated lines:
"""
            + "\n".join(main)
            + f"\n# The walkthrough's certificate step:\nsmtpd_tls_chain_files = {self.key}, {self.cert}\n"
        )
        service = generated_lines(self.generated / "master.cf")
        head = service[0].split()
        assert head[:2] == ["submission", "inet"], service[0]
        head[0], head[4] = f"{LOOPBACK}:{self.port}", "n"
        (config / "master.cf").write_text(
            "# service type private unpriv chroot wakeup maxproc command\n"
            + "  ".join(head)
            + "\n"
            + "\n".join(service[1:])
            + """
postlog unix-dgram n - n - 1 postlogd
proxymap unix - - n - - proxymap
anvil unix - - n - 1 anvil
rewrite unix - - n - - trivial-rewrite
cleanup unix n - n - 0 cleanup
tlsmgr unix - - n 1000? 1 tlsmgr
"""
        )

    def __enter__(self) -> "Postfix":
        self.render()
        config = str(self.root / "etc")
        result = subprocess.run([POSTFIX, "-c", config, "check"], capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
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
        text = path.read_text(errors="replace") if path.exists() else ""
        return re.sub(r"\n{3,}", "\n\n", text)
