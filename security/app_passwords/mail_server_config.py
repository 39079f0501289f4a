"""The Dovecot (2.3 or 2.4) and Postfix files ``manage.py mail_server_config`` writes (docs/mail-server.md).

Layout, as the files go under ``/etc/dovecot`` on a stock Debian install:

- ``conf.d/00-portal-auth.conf``: the two SQL passdbs (app passwords first, then ``mail_accounts``) and a static
  userdb. It sorts before the stock ``10-auth.conf``, whose ``!include auth-system.conf.ext`` adds PAM and
  ``/etc/passwd``: ours answer first, and the last one ends every lookup (``result_failure = return-fail``), so
  system accounts never answer and that include needs no edit.
- ``conf.d/99-portal.conf``: settings that must win over the stock ``conf.d`` files (it sorts last): mechanisms,
  lowercasing, the auth cache, maildir, the listeners on the ports the portal advertises, Postfix's auth socket.
- ``portal-sql*.conf.ext``: the database connection (with the read-only role's password: mode 0600).
- ``postfix/main.cf`` and ``postfix/master.cf``: lines to add to Postfix's files.
"""

import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from portal.conf import portal_settings

VERSIONS = ("2.3", "2.4")
SECURITY_CHOICES = ("SSL/TLS", "STARTTLS")
# The auth-worker service the drop-in writes. Each worker holds one Argon2id check's memory cost while it runs, and
# Dovecot refuses the allocation past vsz_limit, which reads as a wrong password (portal/checks.py guards it).
AUTH_WORKER_VSZ_LIMIT_MIB = 256
AUTH_WORKER_PROCESS_LIMIT = 8


def portal_version() -> str:
    try:
        return metadata.version("mail-security-portal")
    except metadata.PackageNotFoundError:
        return "unknown"


@dataclass
class Database:
    driver: str  # sqlite, pgsql, mysql
    path: str = ""
    host: str = ""
    port: str = ""
    dbname: str = ""
    user: str = ""
    password: str = ""


@dataclass
class Listener:
    protocol: str  # SMTP, IMAP, POP3
    port: int
    security: str  # SSL/TLS or STARTTLS


@dataclass
class Options:
    version: str
    dovecot_dir: str
    database: Database
    listeners: list[Listener]
    argv: list[str] = field(default_factory=list)
    listen: str = ""
    mail_user: str = "vmail"
    mail_home: str = "/var/vmail"
    relay_host: str = "127.0.0.1"
    relay_port: int = 25
    postfix_queue_dir: str = "/var/spool/postfix"
    auth_cache: bool = False
    doveadm_http_port: int = 0
    doveadm_api_key: str = ""


def listeners_from_settings() -> list[Listener]:
    """The same PORTAL_MAIL_* settings the mail-settings page shows (selectors.mail_client_settings)."""
    from .selectors import mail_client_settings

    return [Listener(row["protocol"], int(row["port"]), row["security"]) for row in mail_client_settings()]


def header(options: Options, what: str) -> str:
    args = " ".join(shlex.quote(arg) for arg in options.argv) or "(defaults)"
    return (
        f"# {what}\n"
        f"# Written by `manage.py mail_server_config` (security portal {portal_version()}) with: {args}\n"
        f"# Dovecot {options.version}; regenerate rather than edit (docs/mail-server.md).\n"
    )


def _quote(value: str) -> str:
    """A Dovecot setting value in double quotes."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- Dovecot 2.3 ----------------------------------------------------------------------------------------------
TOKEN_LOOKUP_23 = (
    "SELECT NULL AS password, 'Y' AS nopassword, app_password_id AS x_app_password_id "  # noqa: S105
    "FROM mail_app_passwords "
    "WHERE login = '%Lu' AND service = '%Ls' AND token_sha256 = '%{sha256:password}'"
)
ACCOUNT_LOOKUP_23 = "SELECT login AS user, password FROM mail_accounts WHERE login = '%Lu'"

TOKEN_LOOKUP_24 = (
    "SELECT NULL AS password, 'Y' AS nopassword, app_password_id AS x_app_password_id "  # noqa: S105
    "FROM mail_app_passwords "
    "WHERE login = '%{user | lower}' AND service = '%{protocol | lower}' "
    "AND token_sha256 = '%{password | sha256}'"
)
ACCOUNT_LOOKUP_24 = "SELECT login AS user, password FROM mail_accounts WHERE login = '%{user | lower}'"


def _connect_23(db: Database) -> str:
    if db.driver == "sqlite":
        return db.path
    parts = {"host": db.host, "port": db.port, "dbname": db.dbname, "user": db.user, "password": db.password}
    # Values with spaces would need quoting; the role command allows no such names, and the password file is
    # checked for it (mail_server_config_options).
    return " ".join(f"{key}={value}" for key, value in parts.items() if value)


def _sql_ext_23(options: Options, what: str, query: str) -> str:
    db = options.database
    return (
        header(options, what)
        + f"driver = {db.driver}\n"
        + f"connect = {_connect_23(db)}\n"
        + f"password_query = {query}\n"
    )


def _auth_conf(options: Options) -> str:
    d = options.dovecot_dir.rstrip("/")
    user = options.mail_user
    home = options.mail_home.rstrip("/")
    text = header(options, "Authentication against the security portal's database: sorts before 10-auth.conf.")
    text += (
        "# 1. App passwords: one indexed lookup by login, service and the password's SHA-256 (no row: go on).\n"
        "# 2. The account password, only for users the portal lets use it for mail (no row: the login fails).\n"
        "# The second one ends every lookup, so the stock auth-system.conf.ext (PAM, /etc/passwd) never answers.\n"
    )
    if options.version == "2.3":
        text += f"""passdb {{
  driver = sql
  args = {d}/portal-sql-app-passwords.conf.ext
}}
passdb {{
  driver = sql
  args = {d}/portal-sql-accounts.conf.ext
  result_failure = return-fail
  result_internalfail = return-fail
}}
# Every mailbox belongs to one system user ({user}); mail is a maildir per address under {home}.
userdb {{
  driver = static
  args = uid={user} gid={user} home={home}/%Ld/%Ln allow_all_users=yes
}}
"""
    else:
        text += f"""!include {d}/portal-sql.conf.ext
passdb portal_app_passwords {{
  driver = sql
  sql_query = {TOKEN_LOOKUP_24}
}}
passdb portal_accounts {{
  driver = sql
  sql_query = {ACCOUNT_LOOKUP_24}
  result_failure = return-fail
  result_internalfail = return-fail
}}
# Every mailbox belongs to one system user ({user}); mail is a maildir per address under {home}.
userdb portal_static {{
  driver = static
  fields {{
    uid = {user}
    gid = {user}
    home = {home}/%{{user | domain | lower}}/%{{user | username | lower}}
  }}
}}
"""
    return text


def _sql_conf_24(options: Options) -> str:
    db = options.database
    text = header(options, "The security portal's database, for conf.d/00-portal-auth.conf (keep it mode 0600).")
    text += f"sql_driver = {db.driver}\n"
    if db.driver == "sqlite":
        # Dovecot only reads; read-only also keeps it from switching the portal's file to WAL.
        text += f"sqlite_path = {db.path}\nsqlite_readonly = yes\n"
    elif db.driver == "pgsql":
        text += f"pgsql {db.host or '127.0.0.1'} {{\n  parameters {{\n"
        for key in ("port", "dbname", "user", "password"):
            value = getattr(db, key)
            if value:
                text += f"    {key} = {_quote(value)}\n"
        text += "  }\n}\n"
    else:
        text += f"mysql {db.host or '127.0.0.1'} {{\n"
        for key in ("port", "dbname", "user", "password"):
            value = getattr(db, key)
            if value:
                text += f"  {key} = {_quote(value) if key != 'port' else value}\n"
        text += "}\n"
    return text


def _listener_blocks(options: Options) -> str:
    """Each protocol listens exactly where the portal tells users to connect; the other stock listener of that
    protocol is switched off (port 0), so clients cannot drift to a port the portal does not document."""
    names = {
        "SMTP": ("submission-login", "submission", "submissions"),
        "IMAP": ("imap-login", "imap", "imaps"),
        "POP3": ("pop3-login", "pop3", "pop3s"),
    }
    text = ""
    for listener in options.listeners:
        service, plain, implicit = names[listener.protocol]
        implicit_tls = listener.security == "SSL/TLS"
        used, unused = (implicit, plain) if implicit_tls else (plain, implicit)
        if options.version == "2.3" and listener.protocol == "SMTP" and implicit_tls:
            # 2.3's stock 10-master.conf has no "submissions" listener; defining it is enough.
            unused_block = f"  inet_listener {plain} {{\n    port = 0\n  }}\n"
        else:
            unused_block = f"  inet_listener {unused} {{\n    port = 0\n  }}\n"
        tls_line = "    ssl = yes\n" if implicit_tls else ""
        text += (
            f"# {listener.protocol}: port {listener.port}, {listener.security} (PORTAL_MAIL_{listener.protocol}_*).\n"
            f"service {service} {{\n"
            f"  inet_listener {used} {{\n    port = {listener.port}\n{tls_line}  }}\n"
            f"{unused_block}}}\n"
        )
    return text


def _settings_conf(options: Options) -> str:
    v23 = options.version == "2.3"
    queue = options.postfix_queue_dir.rstrip("/")
    text = header(options, "Settings for the security portal that win over the stock conf.d files (sorts last).")
    text += "auth_mechanisms = plain login\n"
    text += "# Clients may type their address in any case; the portal's views hold it lowercased.\n"
    text += "auth_username_format = %Lu\n" if v23 else "auth_username_format = %{user | lower}\n"
    if options.auth_cache:
        text += (
            "# Auth cache ON: the portal flushes a user's entries on every revoke, password, two-step or account\n"
            "# change (PORTAL_DOVECOT_AUTH_CACHE_FLUSH). No negative caching: a new app password works at once.\n"
            "auth_cache_size = 10M\nauth_cache_ttl = 1 hour\nauth_cache_negative_ttl = 0\n"
        )
    else:
        text += (
            "# Auth cache OFF: it stores the verifier, not the verdict (no hashing saved), and would keep a revoked\n"
            "# app password working until its TTL. Turn it on only with the portal's flushing (docs/mail-server.md).\n"
            "auth_cache_size = 0\n"
        )
    text += (
        "# Argon2id (the account password, 64 MiB per check by default) is verified in auth-worker processes:\n"
        "# memory = process_limit x PORTAL_ARGON2_MEMORY_COST_KIB, and vsz_limit must stay above the cost.\n"
        f"service auth-worker {{\n  vsz_limit = {AUTH_WORKER_VSZ_LIMIT_MIB}M\n"
        f"  process_limit = {AUTH_WORKER_PROCESS_LIMIT}\n}}\n"
    )
    if v23:
        text += "mail_location = maildir:~/Maildir\n"
    else:
        text += "mail_driver = maildir\nmail_home = \nmail_path = ~/Maildir\nmail_inbox_path = \n"
    text += (
        "# The mail user is a system account (uid below 500 on Debian); the static userdb names only it.\n"
        "first_valid_uid = 100\n"
    )
    if options.listen:
        text += f"listen = {options.listen}\n"
    text += _listener_blocks(options)
    text += (
        "# Dovecot's submission service hands mail to Postfix for delivery.\n"
        f"submission_relay_host = {options.relay_host}\nsubmission_relay_port = {options.relay_port}\n"
        "submission_relay_ssl = no\n"
    )
    text += (
        "# Postfix asks this socket to check SMTP AUTH (smtpd_sasl_path = private/auth in main.cf).\n"
        "service auth {\n"
        f"  unix_listener {queue}/private/auth {{\n"
        "    mode = 0660\n    user = postfix\n    group = postfix\n  }\n}\n"
    )
    if options.auth_cache and options.doveadm_http_port:
        text += (
            "# The portal flushes the auth cache through the doveadm HTTP API (POST /doveadm/v1).\n"
            f"doveadm_api_key = {_quote(options.doveadm_api_key)}\n"
            "service doveadm {\n"
            f"  inet_listener http {{\n    port = {options.doveadm_http_port}\n"
            + ("" if options.version == "2.3" else "    type = http\n")
            + "  }\n}\n"
        )
    return text


def _postfix_main(options: Options) -> str:
    return (
        header(options, "Add these lines to /etc/postfix/main.cf (Postfix asks Dovecot to check SMTP AUTH).")
        + "# Relative to queue_directory; the socket is declared in /etc/dovecot/conf.d/99-portal.conf.\n"
        "smtpd_sasl_type = dovecot\n"
        "smtpd_sasl_path = private/auth\n"
        "smtpd_sasl_security_options = noanonymous\n"
        "# Passwords travel only inside TLS: AUTH is offered after STARTTLS, never before.\n"
        "smtpd_tls_auth_only = yes\n"
        "smtpd_tls_security_level = may\n"
        "# Your certificate (the same one Dovecot uses):\n"
        "#smtpd_tls_chain_files = /etc/ssl/private/mail.example.com.key, /etc/ssl/certs/mail.example.com.pem\n"
    )


def _postfix_master(options: Options) -> str:
    return (
        header(options, "Add this service to /etc/postfix/master.cf: Postfix's own submission port.")
        + "# Only when Postfix, not Dovecot, should take mail from clients: then give Dovecot's submission a\n"
        "# different port (PORTAL_MAIL_SMTP_PORT is what users are told). Dovecot's submission relays to port 25.\n"
        "submission inet n       -       y       -       -       smtpd\n"
        "  -o syslog_name=postfix/submission\n"
        "  -o smtpd_tls_security_level=encrypt\n"
        "  -o smtpd_sasl_auth_enable=yes\n"
        "  -o smtpd_tls_auth_only=yes\n"
        "  -o smtpd_client_restrictions=permit_sasl_authenticated,reject\n"
        "  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject\n"
    )


def render(options: Options) -> dict[str, tuple[str, int]]:
    """{relative path: (text, mode)} for everything ``mail_server_config`` writes."""
    files = {
        "conf.d/00-portal-auth.conf": (_auth_conf(options), 0o644),
        "conf.d/99-portal.conf": (_settings_conf(options), 0o600 if options.doveadm_api_key else 0o644),
        "postfix/main.cf": (_postfix_main(options), 0o644),
        "postfix/master.cf": (_postfix_master(options), 0o644),
    }
    if options.version == "2.3":
        files["portal-sql-app-passwords.conf.ext"] = (
            _sql_ext_23(options, "passdb 1: app passwords (the mail_app_passwords view).", TOKEN_LOOKUP_23),
            0o600,
        )
        files["portal-sql-accounts.conf.ext"] = (
            _sql_ext_23(options, "passdb 2: the account password (the mail_accounts view).", ACCOUNT_LOOKUP_23),
            0o600,
        )
    else:
        files["portal-sql.conf.ext"] = (_sql_conf_24(options), 0o600)
    for extra in _EXTRA_FILES.values():
        files.update(extra(options))
    return files


# Files other apps add to the generated config, each a function of the options returning {path: (text, mode)}:
# mail_policy adds Dovecot's auth policy lines when PORTAL_MAIL_POLICY_URL and _SECRET are set. Registered from
# their AppConfig.ready, so this module (below them) never imports them.
_EXTRA_FILES: dict[str, Callable[["Options"], dict[str, tuple[str, int]]]] = {}


def config_files_register(name: str, build: Callable[["Options"], dict[str, tuple[str, int]]]) -> None:
    _EXTRA_FILES[name] = build


def write(options: Options, output: Path) -> list[Path]:
    """Writes every file; each is written whole to a temporary name first, so nothing is left half-written."""
    written = []
    rendered = render(options)
    for relative, (text, mode) in rendered.items():
        path = output / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(text)
        temporary.chmod(mode)
        written.append((temporary, path))
    for temporary, path in written:
        temporary.replace(path)
    return [path for _temporary, path in written]


def auth_cache_enabled() -> bool:
    return bool(portal_settings.dovecot_auth_cache_flush)


def database_host() -> str:
    """Where Dovecot connects: the portal's own DATABASE_URL host (empty means this machine: the socket for
    MariaDB's "localhost", 127.0.0.1 for PostgreSQL)."""
    from django.db import connection

    host = connection.settings_dict.get("HOST") or ""
    if connection.vendor == "mysql":
        return host or "localhost"
    return host or "127.0.0.1"


def default_role_name() -> str:
    """``<database>_dovecot``: one role per portal database, so two portals (or test databases) on one
    PostgreSQL cluster never share or reset each other's role. At most 32 characters (MariaDB's limit)."""
    import re

    from django.db import connection

    base = re.sub(r"[^a-z0-9_]", "_", str(connection.settings_dict.get("NAME") or "portal").lower())
    base = base if re.match(r"[a-z_]", base) else f"p{base}"
    return f"{base[:24]}_dovecot"
