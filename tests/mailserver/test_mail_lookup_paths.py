"""Issue 20: Dovecot reads one-table lookups the portal's database triggers keep. Every path that changes what the
mail server may accept is driven here, and after each one a real Dovecot (2.3 and 2.4; 2.3 on MariaDB) is asked,
and the lookup tables are compared with what they must hold, computed from scratch from the portal's tables.

Runs on whatever database the suite runs on (SQLite, PostgreSQL, MariaDB)."""

import time
from datetime import timedelta

import pytest
from django.contrib.admin.sites import site as admin_site
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import User
from accounts.services.passwords import password_set
from security.app_passwords import mail_views
from security.app_passwords.models import AppPassword
from security.app_passwords.services import app_password_revoke, mail_site_options_sync
from security.client import SYSTEM
from security.helpdesk.services import helpdesk_action_perform
from security.two_factor.models import AuthenticatorDevice
from security.two_factor.services import authenticator_enroll, two_step_disable
from tests.factories import PASSWORD, UserFactory
from tests.two_factor.otp import FIXED_KEY, code_at, current_step

pytestmark = [pytest.mark.mailserver, pytest.mark.django_db(transaction=True)]


def _rows(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return sorted(tuple(str(v) if v is not None else None for v in row) for row in cursor.fetchall())


def assert_lookups_exact():
    """The lookup tables hold exactly what mail_views derives from the portal's tables right now."""
    vendor = connection.vendor
    accounts = _rows(
        mail_views._account_rows_select(vendor, "1 = 1", mail_views.STRONG_FACTORS)
    )
    app_passwords = _rows(mail_views._app_password_rows_select(vendor, "1 = 1"))
    assert _rows(f"SELECT user_id, login, password FROM {mail_views.ACCOUNT_LOOKUP_TABLE}") == accounts  # noqa: S608
    assert _rows(
        "SELECT token_sha256, service, login, app_password_id, user_id, expires_at "  # noqa: S608
        f"FROM {mail_views.APP_PASSWORD_LOOKUP_TABLE}"
    ) == app_passwords


def main_opens(server, login, password=PASSWORD) -> bool:
    assert_lookups_exact()
    return server.auth_test(login, password, service="imap")


def app_opens(server, login, secret) -> bool:
    assert_lookups_exact()
    return server.auth_test(login, secret, service="smtp")


def staff():
    return UserFactory(is_staff=True, is_superuser=True)


def test_revoke_and_expiry_at_query_time(deployed, make_app_password):
    user = UserFactory()
    revoked, expiring = make_app_password(user, scope="all", name="a"), make_app_password(user, scope="all", name="b")
    assert app_opens(deployed, user.email, revoked.secret) and app_opens(deployed, user.email, expiring.secret)
    app_password_revoke(user=user, app_password_id=revoked.app_password.pk, actor=user, client=SYSTEM)
    assert not app_opens(deployed, user.email, revoked.secret)
    # Expiry needs no write: the row stays in the lookup table and the view compares with the database's clock.
    AppPassword.objects.filter(pk=expiring.app_password.pk).update(expires_at=timezone.now() + timedelta(seconds=2))
    assert app_opens(deployed, user.email, expiring.secret)
    time.sleep(2.2)
    assert not app_opens(deployed, user.email, expiring.secret)
    assert _rows(f"SELECT app_password_id FROM {mail_views.APP_PASSWORD_LOOKUP_TABLE}") != []  # noqa: S608


def test_password_change(deployed, make_app_password):
    user = UserFactory()
    created = make_app_password(user, scope="all")
    password_set(user=user, new_password="Another-Long-Passphrase-42", actor=user, client=SYSTEM)
    assert not app_opens(deployed, user.email, created.secret)
    assert not main_opens(deployed, user.email)
    assert main_opens(deployed, user.email, "Another-Long-Passphrase-42")


def test_two_step_on_and_off_through_the_portal(deployed, make_app_password):
    user = UserFactory()
    created = make_app_password(user, scope="all")
    assert main_opens(deployed, user.email)
    authenticator_enroll(user=user, secret=FIXED_KEY, code=code_at(current_step()), client=SYSTEM)
    assert not main_opens(deployed, user.email)
    assert app_opens(deployed, user.email, created.secret)
    two_step_disable(user=User.objects.get(pk=user.pk), client=SYSTEM)
    assert main_opens(deployed, user.email)


@pytest.mark.parametrize("require_setup", [False, True], ids=["reset", "reset-require-setup"])
def test_helpdesk_reset(deployed, make_app_password, require_setup):
    user = UserFactory()
    authenticator_enroll(user=user, secret=FIXED_KEY, code=code_at(current_step()), client=SYSTEM)
    created = make_app_password(user, scope="all")
    assert not main_opens(deployed, user.email)
    helpdesk_action_perform(
        action_name="reset_two_step", staff=staff(), user_ids=[user.pk], reason="lost phone", client=SYSTEM,
        require_setup=require_setup,
    )
    assert main_opens(deployed, user.email) is not require_setup
    assert app_opens(deployed, user.email, created.secret)
    helpdesk_action_perform(
        action_name="revoke_app_passwords", staff=staff(), user_ids=[user.pk], reason="leak", client=SYSTEM
    )
    assert not app_opens(deployed, user.email, created.secret)


def test_admin_edits_is_active_and_email(deployed, make_app_password):
    user = UserFactory()
    created = make_app_password(user, scope="all")
    model_admin = admin_site._registry[User]
    request = RequestFactory().post("/")
    request.user = staff()
    user.is_active = False
    model_admin.save_model(request, user, form=None, change=True)
    assert not main_opens(deployed, user.email)
    assert not app_opens(deployed, user.email, created.secret)
    user = User.objects.get(pk=user.pk)
    user.is_active = True
    model_admin.save_model(request, user, form=None, change=True)
    assert main_opens(deployed, user.email)
    old = user.email
    user.email = "renamed-" + old
    model_admin.save_model(request, user, form=None, change=True)
    assert not main_opens(deployed, old)
    assert main_opens(deployed, user.email)


def test_queryset_updates(deployed, make_app_password):
    user = UserFactory()
    created = make_app_password(user, scope="all")
    users, app_passwords = User.objects.filter(pk=user.pk), AppPassword.objects.filter(user=user)
    users.update(is_active=False)
    assert not main_opens(deployed, user.email) and not app_opens(deployed, user.email, created.secret)
    users.update(is_active=True)
    assert main_opens(deployed, user.email) and app_opens(deployed, user.email, created.secret)
    users.update(two_step_enabled=True)
    assert not main_opens(deployed, user.email)
    users.update(two_step_enabled=False, two_step_setup_required=True)
    assert not main_opens(deployed, user.email)
    users.update(two_step_setup_required=False)
    assert main_opens(deployed, user.email)
    users.update(password="pbkdf2_sha256$1$salt$notverifiablebydovecot")
    assert not main_opens(deployed, user.email)
    app_passwords.update(revoked_at=timezone.now())
    assert not app_opens(deployed, user.email, created.secret)
    app_passwords.update(revoked_at=None, scope="imap")
    assert not app_opens(deployed, user.email, created.secret)  # smtp is no longer in its scope
    assert deployed.auth_test(user.email, created.secret, service="imap")


def test_strong_factor_rows_behind_the_portals_back(deployed):
    """A factor added or deleted by queryset: "two-step on" is the flag OR a strong factor on record
    (mail_views.STRONG_FACTORS), so such a write can close the main password but never open it while the
    portal still asks for a second step."""
    user = UserFactory()
    authenticator_enroll(user=user, secret=FIXED_KEY, code=code_at(current_step()), client=SYSTEM)
    AuthenticatorDevice.objects.filter(user=user).delete()
    assert not main_opens(deployed, user.email)  # the portal still has two-step on
    User.objects.filter(pk=user.pk).update(two_step_enabled=False)
    assert main_opens(deployed, user.email)
    device = AuthenticatorDevice(user=user, name="x", confirmed=True)
    device.seal_secret(FIXED_KEY)
    device.save()
    assert not main_opens(deployed, user.email)
    AuthenticatorDevice.objects.filter(user=user).update(confirmed=False)
    assert main_opens(deployed, user.email)
    AuthenticatorDevice.objects.filter(user=user).delete()
    assert main_opens(deployed, user.email)


@pytest.mark.parametrize("how", ["instance", "queryset"])
def test_user_deleted(deployed, make_app_password, how):
    user = UserFactory()
    created = make_app_password(user, scope="all")
    assert main_opens(deployed, user.email) and app_opens(deployed, user.email, created.secret)
    if how == "instance":
        user.delete()
    else:
        User.objects.filter(pk=user.pk).delete()
    assert not main_opens(deployed, user.email)
    assert not app_opens(deployed, user.email, created.secret)


def test_site_option(deployed, settings, make_app_password):
    user = UserFactory()
    created = make_app_password(user, scope="all")
    settings.PORTAL_MAIL_MAIN_PASSWORD_ALLOWED = False
    mail_site_options_sync()
    assert not main_opens(deployed, user.email)
    settings.PORTAL_MAIL_MAIN_PASSWORD_ALLOWED = True
    mail_site_options_sync()
    assert main_opens(deployed, user.email)
    assert app_opens(deployed, user.email, created.secret)
