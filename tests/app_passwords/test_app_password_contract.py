"""The mail-server contract (docs/mail-server.md, "The views"): view names, columns, rows, and index use, on every
database."""

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
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
    print(token_plan, login_plan, sep="\n")
    # One table each (issue 20): the lookup tables the triggers keep, by their keys.
    if connection.vendor == "sqlite":
        assert "SEARCH mail_app_password_lookup USING INDEX" in token_plan
        assert "(token_sha256=? AND service=?)" in token_plan and "SCAN" not in token_plan
        assert token_plan.count("SEARCH") == 1
        assert "SEARCH mail_account_lookup USING INDEX" in login_plan and "(login=?)" in login_plan
        assert "SCAN" not in login_plan and login_plan.count("SEARCH") == 1
    elif connection.vendor == "postgresql":
        assert "Index Scan using mail_app_password_lookup_pkey" in token_plan
        assert "Seq Scan" not in token_plan and "Join" not in token_plan and "Loop" not in token_plan
        assert "Index Scan using mail_account_lookup_login" in login_plan and "Seq Scan" not in login_plan
        assert "Join" not in login_plan and "Loop" not in login_plan
    else:
        token_rows, login_rows = token_plan.splitlines()[1:], login_plan.splitlines()[1:]
        assert len(token_rows) == 1 and len(login_rows) == 1, (token_plan, login_plan)
        token_access, login_access = token_rows[0].split(" | "), login_rows[0].split(" | ")
        assert token_access[2] == "mail_app_password_lookup" and token_access[3] == "const", token_plan
        assert token_access[5] == "PRIMARY", token_plan
        assert login_access[2] == "mail_account_lookup" and login_access[3] == "const", login_plan
        assert login_access[5] == "mail_account_lookup_login", login_plan


@pytest.mark.django_db(transaction=True)
def test_post_migrate_recreates_lost_triggers_and_refills_the_lookups():
    """SQLite drops a table's triggers when a migration rebuilds that table; post_migrate puts them back and
    refills the lookup tables, and leaves them alone (no schema change) when they are current.

    On SQLite the schema changes happen in a transaction that is rolled back: a committed schema change makes the
    session's running Dovecots (2.3's SQLite driver) fail their next lookup once, and later tests would see it."""
    import contextlib

    from django.db import transaction

    from security.app_passwords import mail_views
    from security.app_passwords.services import mail_lookups_rebuild, mail_site_options_sync

    mail_site_options_sync()  # a flush before this test may have emptied the scope → service rows
    user = UserFactory()
    app_password_create(user=user, name="n", scope="all", actor=None, client=SYSTEM)
    assert len(rows("SELECT login FROM mail_app_passwords")[0]) == 4
    assert mail_lookups_rebuild() is False
    sqlite = connection.vendor == "sqlite"
    with transaction.atomic() if sqlite else contextlib.nullcontext():
        with connection.cursor() as cursor:
            for statement in mail_views.lookup_triggers_drop_sql(connection.vendor):
                cursor.execute(statement)
        assert not mail_views.lookup_triggers_current(connection)
        type(user).objects.filter(pk=user.pk).update(is_active=False)  # unseen: no trigger
        assert rows("SELECT login FROM mail_app_passwords")[0] != []
        if sqlite:
            assert mail_lookups_rebuild() is True  # what post_migrate calls (apps.py)
        else:
            call_command("migrate", verbosity=0)
        assert mail_views.lookup_triggers_current(connection)
        assert rows("SELECT login FROM mail_app_passwords")[0] == []
        assert rows("SELECT login FROM mail_accounts")[0] == []
        if sqlite:
            transaction.set_rollback(True)


def test_writes_the_lookups_do_not_read_leave_them_alone():
    """``last_login`` at each web sign-in and ``last_used_*`` at each mail login (the policy server) rewrite no
    lookup row; a column the lookups read does."""
    from django.utils import timezone

    from security.app_passwords.services import mail_site_options_sync

    if connection.vendor == "mysql":
        pytest.skip("MariaDB has no row version to compare")
    mail_site_options_sync()
    user = UserFactory()
    created = app_password_create(user=user, name="n", scope="all", actor=None, client=SYSTEM)
    app_passwords = AppPassword.objects.filter(pk=created.app_password.pk)

    def rows_written(update) -> int:
        """Rows the UPDATE and its triggers wrote: SQLite counts trigger writes in total_changes(); on
        PostgreSQL a rewritten lookup row has a new xmin."""
        if connection.vendor == "sqlite":
            before = rows("SELECT total_changes()")[0][0][0]
            update()
            return rows("SELECT total_changes()")[0][0][0] - before - 1
        query = "SELECT xmin::text FROM mail_app_password_lookup UNION ALL SELECT xmin::text FROM mail_account_lookup"
        before = rows(query)[0]
        update()
        return len(set(rows(query)[0]) - set(before))

    assert rows_written(lambda: type(user).objects.filter(pk=user.pk).update(last_login=timezone.now())) == 0
    assert rows_written(lambda: app_passwords.update(last_used_at=timezone.now(), last_used_ip="::1")) == 0
    assert rows_written(lambda: app_passwords.update(expires_at=timezone.now() + timedelta(days=1))) > 0
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


