"""Create (or update) the read-only database account Dovecot uses: SELECT on the two mail views, nothing else.

    manage.py mail_server_role --name dovecot [--host localhost] [--password-file FILE]

PostgreSQL: a LOGIN role with SELECT on ``mail_app_passwords`` and ``mail_accounts``. The views run with their
owner's rights, so the role needs no right on any table. MariaDB: a user ``'NAME'@'HOST'`` with SELECT on the two
views of this database (the views are SQL SECURITY DEFINER). SQLite has no roles: give Dovecot read access to the
file instead (docs/mail-server.md). The password is read from a file or generated and printed once.
"""

import re
import secrets
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

VIEWS = ("mail_app_passwords", "mail_accounts")
NAME = re.compile(r"^[a-z_][a-z0-9_]{0,31}$")
HOST = re.compile(r"^[A-Za-z0-9.%:_-]{1,60}$")


class Command(BaseCommand):
    help = "Create the read-only database role the mail server uses (PostgreSQL, MariaDB)."

    def add_arguments(self, parser):
        parser.add_argument("--name", default="dovecot")
        parser.add_argument("--host", default="localhost", help="MariaDB only: the host part of the account")
        parser.add_argument("--password-file", help="read the password from this file instead of generating one")

    def handle(self, *args, name, host, password_file, **options):
        if not NAME.match(name):
            raise CommandError("--name: use lowercase letters, digits and _ (at most 32)")
        if not HOST.match(host):
            raise CommandError("--host: not a host name, address or pattern")
        if password_file:
            try:
                password = Path(password_file).read_text().strip()
            except OSError as error:
                raise CommandError(f"cannot read {password_file}: {error.strerror}") from None
            if not password:
                raise CommandError(f"{password_file} is empty")
        else:
            password = secrets.token_urlsafe(24)
        vendor = connection.vendor
        if vendor == "postgresql":
            self._postgresql(name, password)
        elif vendor == "mysql":
            self._mysql(name, host, password)
        else:
            raise CommandError(f"{vendor} has no database roles; make the database file readable by Dovecot instead")
        if not password_file:
            self.stdout.write(f"password for {name}: {password}")
        self.stdout.write(f"{name} may SELECT from {', '.join(VIEWS)} and nothing else")

    def _postgresql(self, name, password):
        from psycopg import sql

        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
            verb = "ALTER" if cursor.fetchone() else "CREATE"
            cursor.execute(
                sql.SQL("{} ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD {}")
                .format(sql.SQL(verb), sql.Identifier(name), sql.Literal(password))
                .as_string(cursor.connection)
            )
            for view in VIEWS:
                cursor.execute(
                    sql.SQL("GRANT SELECT ON {} TO {}")
                    .format(sql.Identifier(view), sql.Identifier(name))
                    .as_string(cursor.connection)
                )

    def _mysql(self, name, host, password):
        database = connection.settings_dict["NAME"]
        account = f"'{name}'@'{host}'"  # both checked against strict patterns above
        with connection.cursor() as cursor:
            escaped = account.replace("%", "%%")  # these two statements are formatted with a parameter
            cursor.execute(f"CREATE USER IF NOT EXISTS {escaped} IDENTIFIED BY %s", [password])
            cursor.execute(f"ALTER USER {escaped} IDENTIFIED BY %s", [password])
            for view in VIEWS:
                cursor.execute(f"GRANT SELECT ON `{database}`.`{view}` TO {account}")
