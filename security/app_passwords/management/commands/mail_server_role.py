"""Create (or update) the read-only database account Dovecot uses: SELECT on the two mail views, nothing else.

    manage.py mail_server_role [--name NAME] [--host HOST] [--password-file FILE] [--reset]

The default name is ``<database>_dovecot``, so portals (and test databases) sharing one PostgreSQL cluster never
share a role. The default MariaDB host is the one ``mail_server_config`` connects to (DATABASE_URL's host), so
grant and config agree even with ``skip_name_resolve``.

PostgreSQL: a LOGIN role, marked with a comment as made by this command, with CONNECT on the portal database
only (PUBLIC's CONNECT and TEMPORARY on it are revoked) and SELECT on ``mail_app_passwords`` and
``mail_accounts``. The views run with their owner's rights, so the role needs no right on any table; after
every ``migrate`` the grants are given again (a migration that recreates a view would drop them). MariaDB: a
user ``'NAME'@'HOST'`` with SELECT on the two views (SQL SECURITY DEFINER). SQLite has no roles: give Dovecot
read access to the file (docs/mail-server.md).

An existing account that this command did not make (the portal's own user, root, any other) is refused unless
``--reset``; the portal's own login is refused always. The password is read from a file or generated and
printed once.
"""

import re
import secrets

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection

from security.app_passwords import mail_server_config as config
from security.app_passwords.management.commands.mail_server_config import read_password_file

VIEWS = ("mail_app_passwords", "mail_accounts")
NAME = re.compile(r"[a-z_][a-z0-9_]{0,31}")
HOST = re.compile(r"[A-Za-z0-9.%:_-]{1,60}")


def role_marker(database: str) -> str:
    return f"made by manage.py mail_server_role: read-only mail views of {database}"


def postgresql_roles_regrant(using: str = "default") -> int:
    """Gives every role this command made for this database its grants again (``post_migrate``): a view that
    a migration dropped and created again has lost them. Returns how many roles."""
    from django.db import connections
    from psycopg import sql

    conn = connections[using]
    if conn.vendor != "postgresql":
        return 0
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT r.rolname FROM pg_roles r JOIN pg_shdescription d ON d.objoid = r.oid "
            "WHERE d.classoid = 'pg_authid'::regclass AND d.description = %s",
            [role_marker(conn.settings_dict["NAME"])],
        )
        names = [row[0] for row in cursor.fetchall()]
        for name in names:
            for view in VIEWS:
                cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [view])
                if cursor.fetchone()[0]:
                    cursor.execute(
                        sql.SQL("GRANT SELECT ON {} TO {}")
                        .format(sql.Identifier(view), sql.Identifier(name))
                        .as_string(cursor.connection)
                    )
    return len(names)


class Command(BaseCommand):
    help = "Create the read-only database role the mail server uses (PostgreSQL, MariaDB)."

    def add_arguments(self, parser):
        parser.add_argument("--name", help="default: <database>_dovecot")
        parser.add_argument("--host", help="MariaDB only: the host part of the account (default: DATABASE_URL's)")
        parser.add_argument("--password-file", help="read the password from this file instead of generating one")
        parser.add_argument("--reset", action="store_true", help="take over an existing account this did not make")

    def handle(self, *args, name, host, password_file, reset, **options):
        name = name if name is not None else config.default_role_name()
        if not NAME.fullmatch(name):
            raise CommandError("--name: use lowercase letters, digits and _ (at most 32)")
        host = host if host is not None else config.database_host()
        if not HOST.fullmatch(host):
            raise CommandError("--host: not a host name, address or pattern")
        password = read_password_file(password_file) if password_file else secrets.token_urlsafe(24)
        vendor = connection.vendor
        if vendor not in ("postgresql", "mysql"):
            raise CommandError(f"{vendor} has no database roles; make the database file readable by Dovecot instead")
        try:
            note = self._postgresql(name, password, reset) if vendor == "postgresql" else None
            if vendor == "mysql":
                self._mysql(name, host, password, reset)
        except DatabaseError as error:
            if vendor == "mysql" and getattr(error, "args", [None])[0] in (1227, 1044, 1045, 1142):
                raise CommandError(
                    "the portal's database user cannot create accounts: it needs the CREATE USER privilege "
                    "and GRANT OPTION on the portal database (or run this once as root)"
                ) from None
            first = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise CommandError(f"the database refused: {first}") from None
        # First word: the name (scripts and tests read it).
        self.stdout.write(f"{name} may SELECT from {', '.join(VIEWS)} and nothing else")
        if not password_file:
            self.stdout.write(f"password for {name}: {password}")
        if note:
            self.stdout.write(self.style.WARNING(note))

    # --- PostgreSQL -------------------------------------------------------------------------------------------
    def _postgresql(self, name, password, reset):
        from psycopg import sql

        database = connection.settings_dict["NAME"]

        def q(template, *parts):
            return sql.SQL(template).format(*parts).as_string(cursor.connection)

        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
            row = cursor.fetchone()
            if not (row and row[0]):
                raise CommandError(
                    "the portal's database user cannot create roles: it needs the CREATEROLE privilege "
                    "(or run this once as a superuser)"
                )
            cursor.execute("SELECT current_user")
            if cursor.fetchone()[0] == name:
                raise CommandError(f"{name} is the portal's own database user; choose another --name")
            cursor.execute(
                "SELECT r.rolsuper, shobj_description(r.oid, 'pg_authid') FROM pg_roles r WHERE r.rolname = %s",
                [name],
            )
            existing = cursor.fetchone()
            if existing and existing[1] != role_marker(database) and not reset:
                raise CommandError(
                    f"the role {name} exists and was not made by this command for {database}; "
                    "pass --reset to take it over (its password and rights are replaced)"
                )
            verb = "ALTER" if existing else "CREATE"
            cursor.execute(
                q(
                    "{} ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION PASSWORD {}",
                    sql.SQL(verb),
                    sql.Identifier(name),
                    sql.Literal(password),
                )
            )
            cursor.execute(q("COMMENT ON ROLE {} IS {}", sql.Identifier(name), sql.Literal(role_marker(database))))
            cursor.execute(q("ALTER ROLE {} SET default_transaction_read_only = on", sql.Identifier(name)))
            # Only the portal database: no CONNECT/TEMPORARY through PUBLIC here; the owner keeps its own.
            db = sql.Identifier(database)
            cursor.execute(q("REVOKE CONNECT, TEMPORARY ON DATABASE {} FROM PUBLIC", db))
            cursor.execute(q("GRANT CONNECT, TEMPORARY ON DATABASE {} TO CURRENT_USER", db))
            cursor.execute(q("GRANT CONNECT ON DATABASE {} TO {}", db, sql.Identifier(name)))
            for view in VIEWS:
                cursor.execute(q("GRANT SELECT ON {} TO {}", sql.Identifier(view), sql.Identifier(name)))
            # Other databases of the cluster that still let everyone (PUBLIC) connect: pg_hba.conf decides.
            cursor.execute(
                "SELECT datname FROM pg_database WHERE datallowconn AND datname <> %s "
                "AND has_database_privilege(%s, datname, 'CONNECT') ORDER BY datname",
                [database, name],
            )
            others = [row[0] for row in cursor.fetchall()]
        if others:
            return (
                f"note: through PUBLIC, {name} may also connect to {', '.join(others)}; allow it only "
                f"{database} in pg_hba.conf (docs/mail-server.md)"
            )
        return None

    # --- MariaDB / MySQL --------------------------------------------------------------------------------------
    def _mysql(self, name, host, password, reset):
        database = connection.settings_dict["NAME"]
        account = f"'{name}'@'{host}'"  # both checked against strict patterns above
        escaped = account.replace("%", "%%")  # for the statements formatted with a parameter
        with connection.cursor() as cursor:
            cursor.execute("SELECT CURRENT_USER()")
            current = cursor.fetchone()[0]
            if current.rsplit("@", 1)[0] == name:
                raise CommandError(f"{name} is the portal's own database user; choose another --name")
            cursor.execute("SELECT COUNT(*) FROM mysql.user WHERE User = %s AND Host = %s", [name, host])
            exists = cursor.fetchone()[0] > 0
            if exists and not reset and not self._mysql_is_ours(cursor, account, database):
                raise CommandError(
                    f"the account {account} exists and has rights this command never grants; "
                    "pass --reset to take it over (its password and rights are replaced)"
                )
            if exists:
                cursor.execute(f"REVOKE ALL PRIVILEGES, GRANT OPTION FROM {account}")
                cursor.execute(f"ALTER USER {escaped} IDENTIFIED BY %s", [password])
            else:
                cursor.execute(f"CREATE USER {escaped} IDENTIFIED BY %s", [password])
            for view in VIEWS:
                cursor.execute(f"GRANT SELECT ON `{database}`.`{view}` TO {account}")

    @staticmethod
    def _mysql_is_ours(cursor, account, database) -> bool:
        cursor.execute(f"SHOW GRANTS FOR {account}")
        allowed = {f"GRANT SELECT ON `{database}`.`{view}` TO" for view in VIEWS}
        for (grant,) in cursor.fetchall():
            if grant.startswith("GRANT USAGE ON *.* TO"):
                continue
            if not any(grant.startswith(prefix) for prefix in allowed):
                return False
        return True
