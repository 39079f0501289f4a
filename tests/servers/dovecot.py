"""Dovecot as a deployer runs it: Debian's stock configuration plus what ``manage.py mail_server_config`` wrote.

Each instance follows docs/mail-server.md, step by step, into its own folder (``etc/dovecot`` there stands for
/etc/dovecot):

1. copy the stock config from ``/usr/share/dovecot`` (what the package's postinst puts in /etc/dovecot);
2. the walkthrough's edits, and only those: the certificate lines of ``conf.d/10-ssl.conf`` (a certificate the
   test makes), the ``vmail`` user and its mail folder;
3. ``manage.py mail_server_role`` with its defaults (PostgreSQL, MariaDB), and Dovecot connects as that role;
4. ``manage.py mail_server_config`` with the portal's PORTAL_MAIL_* ports (free loopback ports here).

Dovecot 2.3 is this machine's; Dovecot 2.4 runs from Debian 13's packages in a chroot (tests/servers/trixie.py),
with every file it reads inside the chroot (the SQLite test database is bind-mounted there).

Dovecot starts from ``instance.conf``, which includes the deployed ``dovecot.conf`` and then sets only what lets
several instances run side by side, and quickly: base_dir, state_dir, log_path, instance_name and
``auth_failure_delay = 0`` (Dovecot 2.4's child processes do not see ``-o`` overrides, so a file it is).
"""

import contextlib
import os
import secrets
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.db import connection
from django.test.utils import override_settings

from .process import LOOPBACK, ServerProcess, free_port

# One password per test run for the default read-only role: every test that runs mail_server_role with the
# defaults sets this same one, so a Dovecot already connected as that role keeps working when it reconnects.
ROLE_PASSWORD = secrets.token_urlsafe(18)
SMTP_SECURITY = "STARTTLS"  # Postfix-style submission on a free port; IMAP and POP3 use implicit TLS
# The versions the matrix runs on: both on SQLite and PostgreSQL; 2.3 only on MariaDB, to keep `make test` within
# its time (2.4's mysql driver is the only part that misses out).
VERSIONS = ["2.3"] if os.environ.get("DATABASE_URL", "").startswith("mysql") else ["2.3", "2.4"]
_STOCK_SKIP = {"protocols.d", "dh.pem", "mkcert.sh", "stopwords", "dovecot-openssl.cnf"}


def _run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, check=False, **kwargs)


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for mail.portal.test (the walkthrough tells deployers to use their own)."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "mail.pem", folder / "mail.key"
    if not cert.exists():
        result = _run(
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=mail.portal.test", "-keyout", str(key), "-out", str(cert),
            ]
        )
        assert result.returncode == 0, result.stderr
        key.chmod(0o600)
    return cert, key


def ensure_vmail(chroot: Path | None) -> None:
    """The walkthrough's one line for the mail user (in the chroot: that system's own user database)."""
    prefix = ["chroot", str(chroot)] if chroot else []
    if _run([*prefix, "id", "vmail"]).returncode == 0:
        return
    result = _run(
        [*prefix, "useradd", "--system", "--user-group", "--home-dir", "/var/vmail", "--no-create-home",
         "--shell", "/usr/sbin/nologin", "vmail"]
    )
    assert result.returncode == 0 or "already exists" in result.stderr, result.stderr


_proc_lock = threading.Lock()
_proc_users: dict[Path, int] = {}


@contextlib.contextmanager
def chroot_proc(chroot: Path):
    """/proc inside the chroot while a Dovecot runs there (counted, so two instances share one mount)."""
    with _proc_lock:
        if _proc_users.get(chroot, 0) == 0 and not (chroot / "proc").is_mount():
            subprocess.run(["mount", "-t", "proc", "proc", str(chroot / "proc")], check=True)
        _proc_users[chroot] = _proc_users.get(chroot, 0) + 1
    try:
        yield
    finally:
        with _proc_lock:
            _proc_users[chroot] -= 1
            if _proc_users[chroot] == 0:
                subprocess.run(["umount", "-l", str(chroot / "proc")], check=False)


@dataclass
class Dovecot:
    version: str  # "2.3" or "2.4"
    root: Path  # the instance folder, on the host
    relay_port: int
    chroot: Path | None = None
    auth_cache: str = ""  # PORTAL_DOVECOT_AUTH_CACHE_FLUSH while generating: "" keeps the cache off
    doveadm_api_key: str = ""
    submission_port: int = field(default_factory=free_port)
    imap_port: int = field(default_factory=free_port)
    pop3_port: int = field(default_factory=free_port)
    smtp_security: str = SMTP_SECURITY
    role: str = ""
    role_password: str = ""
    server: ServerProcess | None = None
    _stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    # --- paths -----------------------------------------------------------------------------------------------
    @property
    def etc(self) -> Path:
        return self.root / "etc" / "dovecot"

    @property
    def config(self) -> Path:
        return self.root / "instance.conf"

    @property
    def postfix_queue(self) -> Path:
        """Postfix's queue_directory for a test Postfix; Dovecot's auth socket is its ``private/auth``."""
        return self.root / "postfix-queue"

    @property
    def auth_socket(self) -> Path:
        return self.postfix_queue / "private" / "auth"

    def inner(self, path: Path) -> str:
        """``path`` as Dovecot sees it (inside the chroot for 2.4)."""
        if self.chroot is None:
            return str(path)
        return "/" + str(Path(path).relative_to(self.chroot))

    def _prefix(self) -> list[str]:
        return ["chroot", str(self.chroot)] if self.chroot else []

    def _write_instance_conf(self) -> None:
        # 2.4 wants its version settings first; the stock dovecot.conf repeats them.
        stock = (self.etc / "dovecot.conf").read_text()
        versions = "".join(line + "\n" for line in stock.splitlines() if line.startswith("dovecot_"))
        self.config.write_text(
            "# Test instance (tests/servers/dovecot.py): the deployed config, then what lets instances coexist.\n"
            f"{versions}!include {self.inner(self.etc / 'dovecot.conf')}\n"
            f"base_dir = {self.inner(self.root / 'run')}\n"
            f"state_dir = {self.inner(self.root / 'state')}\n"
            f"log_path = {self.inner(self.root / 'dovecot.log')}\n"
            f"instance_name = portal-test-{self.submission_port}\n"
            "auth_failure_delay = 0\n"
            # Logs each passdb that answered, so tests can see which did.
            "auth_verbose = yes\n"
        )

    # --- the deployer's steps ----------------------------------------------------------------------------------
    def deploy(self) -> None:
        for sub in ("run", "state", "vmail", "postfix-queue/private"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o755)  # noqa: S103 - Dovecot's unprivileged processes traverse it
        # 1. The stock configuration, as the package's postinst copies it.
        stock = (self.chroot or Path("/")) / "usr/share/dovecot"
        self.etc.mkdir(parents=True, exist_ok=True)
        for entry in stock.iterdir():
            if entry.name in _STOCK_SKIP:
                continue
            if entry.is_dir():
                shutil.copytree(entry, self.etc / entry.name, dirs_exist_ok=True)
            else:
                shutil.copy2(entry, self.etc / entry.name)
        # 2. The walkthrough's edits: the certificate, the mail user and its folder.
        cert, key = make_certificate(self.root / "tls")
        ssl_conf = self.etc / "conf.d" / "10-ssl.conf"
        text = ssl_conf.read_text()
        if self.version == "2.3":
            text = _replace_line(text, "ssl_cert", f"ssl_cert = <{self.inner(cert)}")
            text = _replace_line(text, "ssl_key", f"ssl_key = <{self.inner(key)}")
        else:
            text = _replace_line(text, "ssl_server_cert_file", f"ssl_server_cert_file = {self.inner(cert)}")
            text = _replace_line(text, "ssl_server_key_file", f"ssl_server_key_file = {self.inner(key)}")
        ssl_conf.write_text(text)
        ensure_vmail(self.chroot)
        vmail = [*self._prefix(), "chown", "vmail:vmail", self.inner(self.root / "vmail")]
        subprocess.run(vmail, check=True)
        # What installing Postfix leaves: its queue's private/ folder, owned by postfix.
        queue = [*self._prefix(), "chown", "postfix:postfix", self.inner(self.postfix_queue / "private")]
        subprocess.run(queue, check=True)
        os.chmod(self.root / "vmail", 0o700)
        # 3. The read-only role, with the command's defaults.
        args = ["--output", str(self.etc), "--dovecot", self.version, "--dovecot-dir", self.inner(self.etc)]
        if connection.vendor != "sqlite":
            password_file = self.root / "role-password"
            if not self.role_password:
                self.role_password = ROLE_PASSWORD
            password_file.write_text(self.role_password + "\n")
            out = StringIO()
            call_command("mail_server_role", "--password-file", str(password_file), stdout=out)
            self.role = out.getvalue().split()[0]
            args += ["--password-file", str(password_file)]
        elif self.chroot is not None:
            args += ["--sqlite-path", self.inner(self._mount_database())]
        # 4. The generated files, for the ports the portal advertises.
        args += [
            "--listen", LOOPBACK,
            "--mail-home", self.inner(self.root / "vmail"),
            "--relay-port", str(self.relay_port),
            "--postfix-queue-dir", self.inner(self.postfix_queue),
        ]
        with override_settings(
            PORTAL_MAIL_SMTP_PORT=self.submission_port,
            PORTAL_MAIL_SMTP_SECURITY=self.smtp_security,
            PORTAL_MAIL_IMAP_PORT=self.imap_port,
            PORTAL_MAIL_IMAP_SECURITY="SSL/TLS",
            PORTAL_MAIL_POP3_PORT=self.pop3_port,
            PORTAL_MAIL_POP3_SECURITY="SSL/TLS",
            PORTAL_DOVECOT_AUTH_CACHE_FLUSH=self.auth_cache,
            PORTAL_DOVECOT_DOVEADM_API_KEY=self.doveadm_api_key,
        ):
            call_command("mail_server_config", *args, stdout=StringIO())
        self._write_instance_conf()

    def _mount_database(self) -> Path:
        """SQLite on 2.4: the test database's folder, bind-mounted read-only into the chroot."""
        database = Path(connection.settings_dict["NAME"]).resolve()
        mount = self.root / "portal-db"
        mount.mkdir(exist_ok=True)
        subprocess.run(["mount", "--bind", str(database.parent), str(mount)], check=True)
        self._stack.callback(subprocess.run, ["umount", "-l", str(mount)], check=False)
        return mount / database.name

    # --- running -------------------------------------------------------------------------------------------------
    def check(self) -> str:
        """``doveconf -n``: the effective config; fails when Dovecot cannot parse it."""
        result = _run([*self._prefix(), "doveconf", "-n", "-c", self.inner(self.config)])
        if result.returncode:
            raise RuntimeError(f"doveconf refused the deployed config:\n{result.stderr}")
        return result.stdout

    def start(self) -> "Dovecot":
        if self.chroot is not None:
            self._stack.enter_context(chroot_proc(self.chroot))
        self.check()
        argv = [*self._prefix(), "dovecot", "-F", "-c", self.inner(self.config)]
        self.server = ServerProcess(argv, port=self.submission_port, log=self.root / "stdout.log").__enter__()
        return self

    def __enter__(self) -> "Dovecot":
        try:
            self.deploy()
            return self.start()
        except BaseException:
            self.__exit__(None, None, None)
            raise

    def __exit__(self, *exc_info) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
        self._stack.close()

    @property
    def doveadm_command(self) -> str:
        """What PORTAL_DOVECOT_DOVEADM would be for this instance (a local Dovecot)."""
        import shlex

        return shlex.join([*self._prefix(), "doveadm", "-c", self.inner(self.config)])

    def doveadm(self, *args: str) -> subprocess.CompletedProcess:
        return _run([*self._prefix(), "doveadm", "-c", self.inner(self.config), *args])

    def auth_test(self, login: str, password: str, *, service: str = "smtp") -> bool:
        """``doveadm auth test`` (exit 0: accepted, 77: refused). A fresh remote IP per call keeps Dovecot's
        per-IP failure penalty out of the way, as tests/servers/smtp_client.py does."""
        rip = ".".join(["127", *(str(secrets.randbelow(250) + 1) for _ in range(3))])
        result = self.doveadm("auth", "test", "-x", f"service={service}", "-x", f"rip={rip}", login, password)
        if result.returncode not in (0, 77):
            raise RuntimeError(f"doveadm auth test failed ({result.returncode}): {result.stderr}\n{self.log_text()}")
        return result.returncode == 0

    def log_text(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _replace_line(text: str, key: str, line: str) -> str:
    import re

    new, count = re.subn(rf"(?m)^{re.escape(key)} = .*$", lambda _m: line, text)
    assert count == 1, f"the stock 10-ssl.conf has no single {key} line"
    return new


def instance_root(chroot: Path | None) -> Path:
    base = (chroot / "tmp") if chroot else Path(tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="portal-dovecot-", dir=base))


def dovecot_start(*, relay_port: int, version: str = "2.3", root: Path | None = None, **kwargs) -> Dovecot:
    chroot = None
    if version == "2.4":
        from .trixie import ensure_chroot

        chroot = ensure_chroot()
    root = root or instance_root(chroot)
    return Dovecot(version=version, root=root, relay_port=relay_port, chroot=chroot, **kwargs).__enter__()
