"""The mail-server contract (docs/mail-server.md, "The views"): view names, columns, rows, and index use, on every
database."""

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone

from security.app_passwords.mail_views import APP_PASSWORD_LOOKUP, MAIN_PASSWORD_LOOKUP
from security.app_passwords.models import AppPassword
from security.app_passwords.services import app_password_create
from security.client import SYSTEM
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def rows(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()], [col[0].lower() for col in cursor.description]


def test_view_columns_are_the_contract():
    assert rows("SELECT * FROM mail_app_passwords WHERE 1 = 0")[1] == [
        "login",
        "service",
        "token_sha256",
        "app_password_id",
    ]
    assert rows("SELECT * FROM mail_accounts WHERE 1 = 0")[1] == ["login", "password"]


@pytest.mark.parametrize(
    ("scope", "services"),
    [
        ("smtp", ["smtp", "submission"]),
        ("imap", ["imap", "pop3"]),
        ("all", ["imap", "pop3", "smtp", "submission"]),
    ],
)
def test_one_row_per_service_of_the_scope(scope, services):
    user = UserFactory(email="Mixed.Case@Example.COM".lower())
    created = app_password_create(user=user, name="x", scope=scope, actor=None, client=SYSTEM)
    found, _ = rows(
        "SELECT login, service, token_sha256, app_password_id FROM mail_app_passwords "
        "WHERE app_password_id = %s ORDER BY service",
        [created.app_password.pk],
    )
    assert [row[1] for row in found] == services
    assert {row[0] for row in found} == {"mixed.case@example.com"}
    assert {row[2] for row in found} == {created.app_password.token_sha256}
    for service in services:
        one, _ = rows(APP_PASSWORD_LOOKUP, [user.email, service, created.app_password.token_sha256])
        assert len(one) == 1 and one[0][2] == created.app_password.pk


def test_only_active_credentials_appear():
    user = UserFactory()
    revoked = app_password_create(user=user, name="r", scope="smtp", actor=None, client=SYSTEM).app_password
    expired = app_password_create(user=user, name="e", scope="smtp", actor=None, client=SYSTEM).app_password
    future = app_password_create(user=user, name="f", scope="smtp", actor=None, client=SYSTEM).app_password
    AppPassword.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    AppPassword.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=2))
    # 7 hours ahead: would look expired if a database compared UTC with Asia/Shanghai local time the wrong
    # way.
    AppPassword.objects.filter(pk=future.pk).update(expires_at=timezone.now() + timedelta(hours=7))
    ids = {row[0] for row in rows("SELECT app_password_id FROM mail_app_passwords")[0]}
    assert ids == {future.pk}
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert rows("SELECT app_password_id FROM mail_app_passwords")[0] == []


def test_main_password_rows_rewrite_django_hashes_for_dovecot():
    argon = UserFactory()
    two_step = UserFactory(two_step_enabled=True)
    inactive = UserFactory(is_active=False)
    pbkdf2 = UserFactory()
    pbkdf2.password = make_password("whatever-password", hasher="pbkdf2_sha256")
    pbkdf2.save(update_fields=["password"])
    bcrypt_user = UserFactory()
    bcrypt_user.password = "bcrypt$$2b$04$" + "a" * 53
    bcrypt_user.save(update_fields=["password"])
    found = dict(rows("SELECT login, password FROM mail_accounts")[0])
    assert set(found) == {argon.email, bcrypt_user.email}
    assert found[argon.email] == "{ARGON2ID}" + argon.password[len("argon2") :]
    assert found[argon.email].startswith("{ARGON2ID}$argon2id$v=19$")
    assert found[bcrypt_user.email] == "{BLF-CRYPT}$2b$04$" + "a" * 53
    assert two_step.email not in found and inactive.email not in found and pbkdf2.email not in found
    assert len(rows(MAIN_PASSWORD_LOOKUP, [argon.email])[0]) == 1


def test_site_option_empties_mail_accounts(settings):
    from security.app_passwords.services import mail_site_options_sync

    UserFactory()
    settings.PORTAL_MAIL_MAIN_PASSWORD_ALLOWED = False
    mail_site_options_sync()
    assert rows("SELECT login FROM mail_accounts")[0] == []
    settings.PORTAL_MAIL_MAIN_PASSWORD_ALLOWED = True
    mail_site_options_sync()
    assert len(rows("SELECT login FROM mail_accounts")[0]) == 1


def test_both_lookups_are_index_seeks():
    from security.app_passwords.mail_views import lookup_plans

    for i in range(30):
        user = UserFactory()
        created = app_password_create(user=user, name=f"n{i}", scope="all", actor=None, client=SYSTEM)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute(
                "SET enable_seqscan = off"
            )  # a tiny table would otherwise be scanned; show the index
    plans = lookup_plans(connection, login=user.email, token=created.app_password.token_sha256)
    token_plan, login_plan = plans["mail_app_passwords"], plans["mail_accounts"]
    if connection.vendor == "sqlite":
        assert "SEARCH ap USING INDEX" in token_plan and "(token_sha256=?)" in token_plan
        assert "SCAN" not in token_plan
        assert (
            "SEARCH u USING INDEX" in login_plan and "(email=?)" in login_plan and "SCAN u" not in login_plan
        )
    elif connection.vendor == "postgresql":
        assert "Index Scan using app_passwords_apppassword_token_sha256" in token_plan
        assert "Seq Scan" not in token_plan
        assert "Index Scan using accounts_user_email" in login_plan and "Seq Scan" not in login_plan
    else:
        access = {line.split(" | ")[2]: line.split(" | ")[3] for line in token_plan.splitlines()[1:]}
        assert access["ap"] == "const" and "ALL" not in access.values(), token_plan
        assert "token_sha256" in token_plan
        user_access = [
            line.split(" | ") for line in login_plan.splitlines()[1:] if line.split(" | ")[2] == "u"
        ]
        assert user_access and user_access[0][3] == "const" and "email" in user_access[0][5], login_plan


@pytest.mark.parametrize("user_active", [True, False])
@pytest.mark.parametrize("revoked", [True, False])
@pytest.mark.parametrize("expiry", [None, -2, 7 * 3600])
def test_active_means_the_same_to_the_queryset_the_status_and_the_mail_server(user_active, revoked, expiry):
    """One rule, three readers: ``AppPassword.objects.active()``, ``status`` and the ``mail_app_passwords`` view."""
    user = UserFactory()
    app_password = app_password_create(user=user, name="x", scope="smtp", actor=None, client=SYSTEM).app_password
    changes = {
        "revoked_at": timezone.now() if revoked else None,
        "expires_at": None if expiry is None else timezone.now() + timedelta(seconds=expiry),
    }
    AppPassword.objects.filter(pk=app_password.pk).update(**changes)
    type(user).objects.filter(pk=user.pk).update(is_active=user_active)
    user.refresh_from_db()

    by_queryset = AppPassword.objects.active().filter(pk=app_password.pk).exists()
    by_status = user.app_passwords.get(pk=app_password.pk).status == "active"
    by_mail_server = bool(rows("SELECT 1 FROM mail_app_passwords WHERE app_password_id = %s", [app_password.pk])[0])
    expected = user_active and not revoked and (expiry is None or expiry > 0)
    assert by_queryset == by_status == by_mail_server == expected


def test_the_service_table_is_exactly_the_one_definition():
    """``scopes.SCOPE_SERVICES`` is what the view joins: after ``mail_site_options_sync`` (every ``migrate``) a pair
    missing from the table is back and a pair no longer defined is gone."""
    from security.app_passwords.models import MailService
    from security.app_passwords.scopes import scope_service_pairs
    from security.app_passwords.services import mail_site_options_sync

    def table():
        return sorted(MailService.objects.values_list("scope", "service"))

    assert table() == sorted(scope_service_pairs())
    MailService.objects.filter(scope="imap", service="pop3").delete()
    MailService.objects.create(scope="smtp", service="imap")
    mail_site_options_sync()
    assert table() == sorted(scope_service_pairs())
