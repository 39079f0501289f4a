"""manage.py app_password (create/list/revoke/site-options) and manage.py mail_server_role."""

import json
import secrets
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation

from security.app_passwords import events
from security.app_passwords.models import AppPassword
from security.app_passwords.tokens import token_sha256
from security.models import ActorKind, SecurityEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("app_password", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_create_prints_the_secret_once_and_records_a_system_event(django_capture_on_commit_callbacks, mailoutbox):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        out = run("create", "--user", user.email.upper(), "--name", "Scanner 3F", "--scope", "smtp", "--json")
    data = json.loads(out)
    app_password = AppPassword.objects.get(pk=data["id"])
    assert app_password.token_sha256 == token_sha256(data["password"])
    assert data["login"] == user.email and data["scope"] == "smtp" and data["expires_at"] is None
    event = SecurityEvent.objects.get(user=user, kind=events.CREATED)
    assert event.actor_kind == ActorKind.SYSTEM and event.actor is None
    assert data["password"] not in json.dumps(event.details)
    assert len(mailoutbox) == 1
    listing = run("list", "--user", user.email)
    assert "Scanner 3F" in listing and data["password"] not in listing


def test_create_with_expiry_and_plain_output():
    user = UserFactory()
    out = run("create", "--user", user.email, "--name", "Monitoring", "--scope", "all", "--expires", "30d")
    secret = out.splitlines()[1]
    assert AppPassword.objects.get(user=user).token_sha256 == token_sha256(secret)
    assert AppPassword.objects.get(user=user).expires_at is not None
    run("create", "--user", user.email, "--name", "Until", "--scope", "imap", "--expires", "2099-01-31")


def test_revoke_one_and_all():
    user = UserFactory()
    first = json.loads(run("create", "--user", user.email, "--name", "a", "--scope", "smtp", "--json"))
    run("create", "--user", user.email, "--name", "b", "--scope", "smtp")
    assert "revoked app password" in run("revoke", "--user", user.email, "--id", str(first["id"]))
    assert "revoked 1" in run("revoke", "--user", user.email, "--all")
    assert not AppPassword.objects.active().exists()
    rows = json.loads(run("list", "--user", user.email, "--json"))
    assert {row["status"] for row in rows} == {"revoked"}
    assert SecurityEvent.objects.filter(user=user, kind=events.REVOKED, actor_kind=ActorKind.SYSTEM).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "--user", "nobody@example.com", "--name", "x", "--scope", "smtp"], "no user"),
        (["create", "--user", "{email}", "--name", "x", "--scope", "ftp"], "unknown scope"),
        (["create", "--user", "{email}", "--name", "", "--scope", "smtp"], "name"),
        (["create", "--user", "{email}", "--name", "x", "--scope", "smtp", "--expires", "soon"], "--expires"),
        (
            ["create", "--user", "{email}", "--name", "x", "--scope", "smtp", "--expires", "2001-01-01"],
            "future",
        ),
        (["revoke", "--user", "{email}", "--id", "424242"], "no app password"),
        (["list", "--user", "nobody@example.com"], "no user"),
    ],
)
def test_bad_input_is_a_clear_message(args, message):
    user = UserFactory(language="en")
    args = [arg.format(email=user.email) for arg in args]
    with translation.override("en"), pytest.raises(CommandError, match=message):
        run(*args)


@pytest.mark.django_db(transaction=True)
def test_bad_input_exits_non_zero_without_a_traceback():
    import os
    import subprocess
    import sys

    db = connection.settings_dict
    scheme = {"sqlite": "sqlite", "postgresql": "postgres", "mysql": "mysql"}[connection.vendor]
    if scheme == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"{scheme}://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT']}/{db['NAME']}"
    result = subprocess.run(
        # --skip-checks: the test settings use the in-memory SMS gateway, which phone.E001 refuses outside DEBUG.
        [
            sys.executable,
            "manage.py",
            "app_password",
            "--skip-checks",
            "revoke",
            "--user",
            "nobody@example.com",
            "--id",
            "1",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test", "DATABASE_URL": url},
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and "no user" in result.stderr


def test_someone_elses_id_is_not_revoked():
    alice, bob = UserFactory(), UserFactory()
    bobs = json.loads(run("create", "--user", bob.email, "--name", "b", "--scope", "smtp", "--json"))
    with pytest.raises(CommandError):
        run("revoke", "--user", alice.email, "--id", str(bobs["id"]))
    assert AppPassword.objects.get(pk=bobs["id"]).revoked_at is None


def test_site_options_command(settings):
    settings.PORTAL_MAIL_MAIN_PASSWORD_ALLOWED = False
    assert "off" in run("site-options")
    settings.PORTAL_MAIL_MAIN_PASSWORD_ALLOWED = True
    assert "allowed" in run("site-options")


# --- the read-only role for the mail server ----------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_mail_server_role_can_read_the_views_and_nothing_else(tmp_path):
    user = UserFactory()
    json.loads(run("create", "--user", user.email, "--name", "x", "--scope", "smtp", "--json"))
    name = f"mailro_{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(16)
    (tmp_path / "pw").write_text(password)
    if connection.vendor == "sqlite":
        with pytest.raises(CommandError, match="no database roles"):
            call_command("mail_server_role", "--name", name, "--password-file", str(tmp_path / "pw"), stdout=StringIO())
        return
    out = StringIO()
    call_command("mail_server_role", "--name", name, "--host", "%", "--password-file", str(tmp_path / "pw"), stdout=out)
    assert password not in out.getvalue()
    settings = connection.settings_dict
    try:
        if connection.vendor == "postgresql":
            import psycopg

            with psycopg.connect(
                host=settings["HOST"] or "127.0.0.1",
                port=settings["PORT"] or 5432,
                dbname=settings["NAME"],
                user=name,
                password=password,
            ) as ro:
                assert ro.execute("SELECT count(*) FROM mail_app_passwords").fetchone()[0] == 2
                assert ro.execute("SELECT count(*) FROM mail_accounts").fetchone()[0] == 1
                for table in ("accounts_user", "app_passwords_apppassword"):
                    with pytest.raises(psycopg.errors.InsufficientPrivilege):
                        ro.execute(f"SELECT 1 FROM {table}")  # noqa: S608
                    ro.rollback()
                for privilege in ("INSERT", "UPDATE", "DELETE"):
                    assert not ro.execute(
                        "SELECT has_table_privilege(current_user, 'mail_app_passwords', %s)", [privilege]
                    ).fetchone()[0]
        else:
            import MySQLdb

            ro = MySQLdb.connect(
                host=settings["HOST"] or "127.0.0.1",
                port=int(settings["PORT"] or 3306),
                db=settings["NAME"],
                user=name,
                password=password,
            )
            try:
                cursor = ro.cursor()
                cursor.execute("SELECT count(*) FROM mail_app_passwords")
                assert cursor.fetchone()[0] == 2
                cursor.execute("SELECT count(*) FROM mail_accounts")
                assert cursor.fetchone()[0] == 1
                for statement in ("SELECT 1 FROM accounts_user", "DELETE FROM mail_app_passwords"):
                    with pytest.raises(MySQLdb.OperationalError):
                        cursor.execute(statement)
            finally:
                ro.close()
    finally:
        drop_role(name, "%")


def test_mail_server_role_rejects_odd_names():
    for name in ("x'; DROP TABLE y; --", "dovecot\n", "Dovecot", "a" * 33):
        with pytest.raises(CommandError, match="--name"):
            call_command("mail_server_role", "--name", name, stdout=StringIO())


# --- mail_server_role safety (PostgreSQL and MariaDB; SQLite has no roles) ------------------------------------
def database_url(**changes) -> str:
    db = {**connection.settings_dict, **changes}
    scheme = {"sqlite": "sqlite", "postgresql": "postgres", "mysql": "mysql"}[connection.vendor]
    if scheme == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"{scheme}://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or ''}/{db['NAME']}"


def manage(*args, url=None, **kwargs):
    import os
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "manage.py", *args, "--skip-checks"],
        capture_output=True,
        check=False,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test", "DATABASE_URL": url or database_url()},
        **kwargs,
    )


def drop_role(name: str, host: str = "127.0.0.1") -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f'DROP OWNED BY "{name}"')
            cursor.execute(f'DROP ROLE IF EXISTS "{name}"')
        elif connection.vendor == "mysql":
            cursor.execute(f"DROP USER IF EXISTS '{name}'@'{host}'")


needs_roles = pytest.mark.skipif("connection.vendor == 'sqlite'", reason="runs on PostgreSQL and MariaDB")


@pytest.mark.parametrize(
    "path", [b"/tmp/pw\xff\xfe", "/tmp/pw\x00x"], ids=["invalid-utf8-path", "nul-in-path"]
)
def test_password_file_with_an_odd_path_is_one_sentence(path):
    import os

    if isinstance(path, str):
        with pytest.raises(CommandError, match="NUL"):
            call_command("mail_server_role", "--password-file", path, stdout=StringIO())
        return
    result = manage("mail_server_role", "--password-file", os.fsdecode(path))
    assert result.returncode != 0
    assert b"Traceback" not in result.stderr
    assert result.stderr.strip() != b""


def test_password_file_that_is_not_utf8_is_one_sentence(tmp_path):
    (tmp_path / "pw").write_bytes(b"\xff\xfe-not-text")
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(CommandError, match="UTF-8"):
        call_command("mail_server_role", "--password-file", str(tmp_path / "pw"), stdout=StringIO())
    with pytest.raises(CommandError, match="empty"):
        call_command("mail_server_role", "--password-file", str(tmp_path / "empty"), stdout=StringIO())


@needs_roles
@pytest.mark.django_db(transaction=True)
def test_mail_server_role_refuses_accounts_it_did_not_make(tmp_path):
    name = f"other_{secrets.token_hex(4)}"
    (tmp_path / "pw").write_text(secrets.token_urlsafe(16))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE ROLE \"{name}\" LOGIN PASSWORD 'original'")
        else:
            cursor.execute(f"CREATE USER '{name}'@'127.0.0.1' IDENTIFIED BY 'original'")
            cursor.execute(f"GRANT ALL ON `{connection.settings_dict['NAME']}`.* TO '{name}'@'127.0.0.1'")
    try:
        with pytest.raises(CommandError, match="--reset"):
            call_command("mail_server_role", "--name", name, "--password-file", str(tmp_path / "pw"), stdout=StringIO())
        own = connection.settings_dict["USER"]
        with pytest.raises(CommandError, match="own database user"):
            call_command("mail_server_role", "--name", own, "--reset", stdout=StringIO())
        out = StringIO()
        call_command("mail_server_role", "--name", name, "--reset", "--password-file", str(tmp_path / "pw"), stdout=out)
        # Taken over: now it is ours, so running again needs no --reset.
        call_command("mail_server_role", "--name", name, "--password-file", str(tmp_path / "pw"), stdout=StringIO())
        if connection.vendor == "mysql":
            with connection.cursor() as cursor:
                cursor.execute(f"SHOW GRANTS FOR '{name}'@'127.0.0.1'")
                grants = " ".join(row[0] for row in cursor.fetchall())
            assert "ALL PRIVILEGES" not in grants and "mail_accounts" in grants
    finally:
        drop_role(name)


@needs_roles
@pytest.mark.django_db(transaction=True)
def test_mail_server_role_without_the_privilege_says_which_one(tmp_path):
    name = f"weak_{secrets.token_hex(4)}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE ROLE \"{name}\" LOGIN PASSWORD 'weak-pass-1'")
            cursor.execute(f"GRANT CONNECT ON DATABASE \"{connection.settings_dict['NAME']}\" TO \"{name}\"")
            cursor.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO \"{name}\"")
        else:
            cursor.execute(f"CREATE USER '{name}'@'127.0.0.1' IDENTIFIED BY 'weak-pass-1'")
            cursor.execute(f"GRANT SELECT ON `{connection.settings_dict['NAME']}`.* TO '{name}'@'127.0.0.1'")
    try:
        result = manage(
            "mail_server_role", "--name", f"ro_{secrets.token_hex(3)}",
            url=database_url(USER=name, PASSWORD="weak-pass-1"),
        )
        assert result.returncode != 0 and b"Traceback" not in result.stderr
        assert (b"CREATEROLE" if connection.vendor == "postgresql" else b"CREATE USER") in result.stderr
    finally:
        drop_role(name)


@needs_roles
@pytest.mark.django_db(transaction=True)
def test_the_default_role_reads_only_the_views_and_survives_a_migration_that_recreates_them(tmp_path):
    from security.app_passwords.mail_server_config import default_role_name
    from tests.servers.dovecot import ROLE_PASSWORD

    name = default_role_name()
    assert connection.settings_dict["NAME"].replace("-", "_")[:24] in name  # one role per portal database
    password = ROLE_PASSWORD  # the session's deployed Dovecot connects as this role too
    (tmp_path / "pw").write_text(password)
    user = UserFactory()
    run("create", "--user", user.email, "--name", "x", "--scope", "smtp")
    out = StringIO()
    call_command("mail_server_role", "--password-file", str(tmp_path / "pw"), stdout=out)
    assert out.getvalue().split()[0] == name
    # What a later migration that drops and creates the views again does; then migrate's post_migrate.
    from security.app_passwords.mail_views import DROP_VIEWS_SQL, create_views_sql

    with connection.cursor() as cursor:
        for statement in [*DROP_VIEWS_SQL, *create_views_sql(connection.vendor)]:
            cursor.execute(statement)
    call_command("migrate", verbosity=0)
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        import psycopg

        with psycopg.connect(
            host=settings["HOST"] or "127.0.0.1", port=settings["PORT"] or 5432, dbname=settings["NAME"],
            user=name, password=password,
        ) as ro:
            assert ro.execute("SELECT count(*) FROM mail_app_passwords").fetchone()[0] == 2
            assert ro.execute("SHOW default_transaction_read_only").fetchone()[0] == "on"
            db = settings["NAME"]
            assert not ro.execute("SELECT has_database_privilege(%s, 'TEMPORARY')", [db]).fetchone()[0]
            assert not ro.execute(
                "SELECT has_database_privilege('public', %s, 'CONNECT')", [db]
            ).fetchone()[0]
    else:
        import MySQLdb

        ro = MySQLdb.connect(
            host="127.0.0.1", port=int(settings["PORT"] or 3306), db=settings["NAME"], user=name, password=password
        )
        try:
            cursor = ro.cursor()
            cursor.execute("SELECT count(*) FROM mail_app_passwords")
            assert cursor.fetchone()[0] == 2
        finally:
            ro.close()


# --- mail_server_config -----------------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_mail_server_config_defaults_to_the_installed_dovecot(tmp_path):
    args = ["--output", str(tmp_path / "out")]
    if connection.vendor != "sqlite":
        (tmp_path / "pw").write_text("s3cret-pass")
        args += ["--password-file", str(tmp_path / "pw")]
    call_command("mail_server_config", *args, stdout=StringIO())
    text = (tmp_path / "out" / "conf.d" / "00-portal-auth.conf").read_text()
    assert "--dovecot 2.3" in text.splitlines()[1] and "%{sha256:password}" in (
        (tmp_path / "out" / "portal-sql-app-passwords.conf.ext").read_text()
    )


@pytest.mark.django_db(transaction=True)
def test_mail_server_config_headers_name_the_version_and_options(tmp_path):
    args = ["--output", str(tmp_path / "out"), "--dovecot", "2.4", "--listen", "127.0.0.1"]
    if connection.vendor != "sqlite":
        (tmp_path / "pw").write_text("s3cret-pass")
        args += ["--password-file", str(tmp_path / "pw")]
    call_command("mail_server_config", *args, stdout=StringIO())
    files = [path for path in (tmp_path / "out").rglob("*") if path.is_file()]
    assert {path.name for path in files} >= {"00-portal-auth.conf", "99-portal.conf", "main.cf", "master.cf"}
    for path in files:
        head = path.read_text().splitlines()[1]
        assert "security portal 0.1.0" in head and "--dovecot 2.4" in head and "--listen 127.0.0.1" in head
        assert "s3cret-pass" not in head
    secret_files = [path for path in files if path.name.startswith("portal-sql")]
    assert secret_files and all(path.stat().st_mode & 0o077 == 0 for path in secret_files)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dovecot", "3.0"], "invalid choice"),
        (["--dovecot", "2.3", "--dovecot-dir", "etc/dovecot"], "absolute path"),
        (["--dovecot", "2.3", "--listen", "localhost"], "not an IP address"),
        (["--dovecot", "2.3", "--mail-user", "vmail; rm"], "--mail-user"),
        (["--dovecot", "2.3", "--relay-port", "0"], "--relay-port"),
    ],
)
def test_mail_server_config_bad_options(tmp_path, args, message):
    result = manage("mail_server_config", "--output", str(tmp_path / "o"), *args)
    assert result.returncode != 0 and b"Traceback" not in result.stderr
    assert message.encode() in result.stderr
    assert not (tmp_path / "o").exists()


def test_mail_server_config_same_port_twice_and_unreachable_database(tmp_path, settings):
    settings.PORTAL_MAIL_IMAP_PORT = settings.PORTAL_MAIL_SMTP_PORT
    with pytest.raises(CommandError, match="two protocols"):
        call_command("mail_server_config", "--output", str(tmp_path / "o"), "--dovecot", "2.3", stdout=StringIO())
    url = (
        "postgres://nobody@127.0.0.1:1/nowhere" if connection.vendor != "mysql" else "mysql://nobody@127.0.0.1:1/x"
    )
    result = manage("mail_server_config", "--output", str(tmp_path / "o"), "--dovecot", "2.3", url=url)
    assert result.returncode != 0 and b"Traceback" not in result.stderr
    assert b"cannot read the portal's database" in result.stderr
    assert not (tmp_path / "o").exists()


def test_the_page_and_the_generated_listeners_use_one_setting(tmp_path, settings):
    from security.app_passwords.mail_server_config import listeners_from_settings
    from security.app_passwords.selectors import mail_client_settings

    settings.PORTAL_MAIL_SMTP_PORT, settings.PORTAL_MAIL_SMTP_SECURITY = 587, "STARTTLS"
    rows = {row["protocol"]: row for row in mail_client_settings()}
    assert (rows["SMTP"]["port"], rows["SMTP"]["security"]) == (587, "STARTTLS")
    listeners = {listener.protocol: listener for listener in listeners_from_settings()}
    assert (listeners["SMTP"].port, listeners["SMTP"].security) == (587, "STARTTLS")
