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
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f'REVOKE ALL ON mail_app_passwords, mail_accounts FROM "{name}"')
                cursor.execute(f'DROP ROLE "{name}"')
            else:
                cursor.execute(f"DROP USER '{name}'@'%'")


def test_mail_server_role_rejects_odd_names():
    with pytest.raises(CommandError):
        call_command("mail_server_role", "--name", "x'; DROP TABLE y; --", stdout=StringIO())
