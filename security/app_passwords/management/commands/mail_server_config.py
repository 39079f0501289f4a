"""Write the Dovecot and Postfix files for this portal's database (docs/mail-server.md).

    manage.py mail_server_config --output DIR [--dovecot 2.3|2.4] [--dovecot-dir /etc/dovecot]
        [--role NAME] [--password-file FILE] [--listen ADDRESS] [--mail-user vmail] [--mail-home /var/vmail]
        [--relay-host 127.0.0.1] [--relay-port 25] [--postfix-queue-dir /var/spool/postfix] [--sqlite-path PATH]

DIR gets ``conf.d/00-portal-auth.conf``, ``conf.d/99-portal.conf`` and the ``portal-sql*.conf.ext`` they include,
laid out as under /etc/dovecot, plus ``postfix/main.cf`` and ``postfix/master.cf`` lines. The listeners follow
PORTAL_MAIL_{SMTP,IMAP,POP3}_{PORT,SECURITY}, the settings the portal shows users.
"""

import ipaddress
import re
import shutil
import subprocess
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.utils import DatabaseError

from portal.conf import portal_settings
from security.app_passwords import mail_server_config as config

NAME = re.compile(r"[a-z_][a-z0-9_]{0,31}")
HOST = re.compile(r"[A-Za-z0-9.-]{1,253}")
USER = re.compile(r"[a-z_][a-z0-9_-]{0,31}")


def installed_dovecot_version() -> str | None:
    dovecot = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)
    if not dovecot:
        return None
    try:
        argv = [dovecot, "--version"]
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False).stdout  # noqa: S603
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.match(r"(\d+\.\d+)", out.strip())
    return match.group(1) if match else None


def read_password_file(value: str) -> str:
    """The first line of FILE; one clear sentence for every way it can be wrong."""
    if "\x00" in value:
        raise CommandError("--password-file: the path contains a NUL character")
    try:
        raw = Path(value).read_bytes()
    except (OSError, ValueError) as error:
        raise CommandError(f"cannot read the password file: {getattr(error, 'strerror', None) or error}") from None
    try:
        password = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise CommandError("the password file is not UTF-8 text") from None
    if not password:
        raise CommandError("the password file is empty")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in password) or '"' in password or "\\" in password:
        raise CommandError("the password may not contain spaces, quotes, backslashes or control characters")
    return password


class Command(BaseCommand):
    help = "Write the Dovecot 2.3/2.4 and Postfix configuration for this portal's database."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="folder to write into (laid out like /etc/dovecot)")
        parser.add_argument("--dovecot", choices=config.VERSIONS, help="default: the installed dovecot --version")
        parser.add_argument("--dovecot-dir", default="/etc/dovecot", help="where the files will live")
        parser.add_argument("--role", help="the read-only database role (default: as mail_server_role makes it)")
        parser.add_argument("--password-file", help="the role's password (PostgreSQL, MariaDB)")
        parser.add_argument("--sqlite-path", help="SQLite: the database file as Dovecot sees it")
        parser.add_argument(
            "--db-host", help="where Dovecot connects, e.g. a streaming standby (default: DATABASE_URL's host)"
        )
        parser.add_argument("--db-port", type=int, help="that server's port (default: DATABASE_URL's)")
        parser.add_argument("--listen", default="", help="address(es) to listen on (default: Dovecot's, all)")
        parser.add_argument("--mail-user", default="vmail", help="system user that owns every maildir")
        parser.add_argument("--mail-home", default="/var/vmail", help="maildirs live in HOME/domain/user")
        parser.add_argument("--relay-host", default="127.0.0.1", help="where Dovecot's submission hands mail on")
        parser.add_argument("--relay-port", type=int, default=25)
        parser.add_argument("--postfix-queue-dir", default="/var/spool/postfix")

    def handle(self, *args, **opts):
        version = opts["dovecot"] or installed_dovecot_version()
        if version is None:
            raise CommandError("Dovecot is not installed here: say which version to write for with --dovecot 2.3|2.4")
        if version not in config.VERSIONS:
            raise CommandError(f"Dovecot {version} is installed; pass --dovecot 2.3 or --dovecot 2.4")
        for key in ("dovecot_dir", "mail_home", "postfix_queue_dir"):
            value = opts[key]
            if not value.startswith("/") or any(ch.isspace() or ord(ch) < 32 for ch in value) or '"' in value:
                raise CommandError(f"--{key.replace('_', '-')}: give an absolute path without spaces or quotes")
        if not USER.fullmatch(opts["mail_user"]):
            raise CommandError("--mail-user: not a system user name")
        if not HOST.fullmatch(opts["relay_host"]):
            raise CommandError("--relay-host: not a host name or address")
        if not 0 < opts["relay_port"] < 65536:
            raise CommandError("--relay-port: not a port number")
        if opts["listen"]:
            for address in opts["listen"].replace(",", " ").split():
                if address not in ("*", "::"):
                    try:
                        ipaddress.ip_address(address)
                    except ValueError:
                        raise CommandError(f"--listen: {address!r} is not an IP address") from None
        listeners = config.listeners_from_settings()
        seen = set()
        for listener in listeners:
            if listener.security not in config.SECURITY_CHOICES or not 0 < listener.port < 65536:
                raise CommandError(
                    f"PORTAL_MAIL_{listener.protocol}_PORT/_SECURITY: a port and SSL/TLS or STARTTLS, "
                    f"not {listener.port} {listener.security}"
                )
            if listener.port in seen:
                raise CommandError(f"two protocols are set to port {listener.port} (PORTAL_MAIL_*_PORT)")
            seen.add(listener.port)
        cache_mode = portal_settings.dovecot_auth_cache_flush
        http_port, api_key = 0, ""
        if cache_mode.startswith("http"):
            from urllib.parse import urlsplit

            http_port = urlsplit(cache_mode).port or 8080
            api_key = portal_settings.dovecot_doveadm_api_key
        database = self._database(opts)
        output = Path(opts["output"])
        if output.exists() and not output.is_dir():
            raise CommandError(f"--output: {output} is not a folder")
        options = config.Options(
            version=version,
            dovecot_dir=opts["dovecot_dir"],
            database=database,
            listeners=listeners,
            argv=[arg for arg in sys.argv[2:] if arg] if "mail_server_config" in sys.argv[1:2] else [],
            listen=opts["listen"],
            mail_user=opts["mail_user"],
            mail_home=opts["mail_home"],
            relay_host=opts["relay_host"],
            relay_port=opts["relay_port"],
            postfix_queue_dir=opts["postfix_queue_dir"],
            auth_cache=bool(cache_mode),
            doveadm_http_port=http_port,
            doveadm_api_key=api_key,
        )
        if not options.argv:
            options.argv = self._argv(opts, version)
        try:
            paths = config.write(options, output)
        except OSError as error:
            raise CommandError(f"cannot write to {output}: {error.strerror or error}") from None
        for path in paths:
            self.stdout.write(str(path))
        self.stdout.write(f"Dovecot {version}: copy {output}/conf.d and {output}/portal-sql* to {opts['dovecot_dir']}")

    @staticmethod
    def _argv(opts, version) -> list[str]:
        argv = ["--output", opts["output"], "--dovecot", version, "--dovecot-dir", opts["dovecot_dir"]]
        for key in ("role", "password_file", "sqlite_path", "listen"):
            if opts[key]:
                argv += [f"--{key.replace('_', '-')}", opts[key]]
        return argv

    def _database(self, opts) -> config.Database:
        vendor = connection.vendor
        try:
            connection.ensure_connection()
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM mail_app_passwords WHERE 1 = 0")
        except DatabaseError as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise CommandError(f"cannot read the portal's database ({first}); check DATABASE_URL and migrate") from None
        if vendor == "sqlite":
            path = opts["sqlite_path"] or str(Path(connection.settings_dict["NAME"]).resolve())
            if any(ch.isspace() for ch in path) or '"' in path:
                raise CommandError("--sqlite-path: the path may not contain spaces or quotes")
            return config.Database(driver="sqlite", path=path)
        if vendor not in ("postgresql", "mysql"):
            raise CommandError(f"Dovecot has no driver for {vendor}")
        role = opts["role"] or config.default_role_name()
        if not NAME.fullmatch(role):
            raise CommandError("--role: lowercase letters, digits and _ (at most 32)")
        if not opts["password_file"]:
            raise CommandError(
                "--password-file is needed: the read-only role's password (manage.py mail_server_role makes the role)"
            )
        password = read_password_file(opts["password_file"])
        if opts["db_host"] is not None and not HOST.fullmatch(opts["db_host"]):
            raise CommandError("--db-host: not a host name or address")
        if opts["db_port"] is not None and not 0 < opts["db_port"] < 65536:
            raise CommandError("--db-port: not a port number")
        db = connection.settings_dict
        return config.Database(
            driver="pgsql" if vendor == "postgresql" else "mysql",
            host=opts["db_host"] or config.database_host(),
            port=str(opts["db_port"] or db.get("PORT") or ("5432" if vendor == "postgresql" else "3306")),
            dbname=db["NAME"],
            user=role,
            password=password,
        )
