"""The scenario matrix, against Dovecot 2.3 and 2.4 deployed as docs/mail-server.md says (stock Debian config,
generated drop-ins, the read-only role), through ``doveadm auth test`` for each service a client can use.

Every scenario runs on both versions on whatever database the suite runs on (SQLite, PostgreSQL, MariaDB).
Real SMTP/IMAP/POP3 sessions for a smaller set are in test_mail_sessions.py."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.services.passwords import password_set
from security.app_passwords.models import AppPassword
from security.app_passwords.services import app_password_revoke
from security.client import SYSTEM
from security.helpdesk.services import helpdesk_action_perform
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.mailserver, pytest.mark.django_db(transaction=True)]

SERVICES = ("smtp", "submission", "imap", "pop3")
SCOPES = {"smtp": {"smtp", "submission"}, "imap": {"imap", "pop3"}, "all": set(SERVICES)}


def opens(server, login, password) -> set[str]:
    return {service for service in SERVICES if server.auth_test(login, password, service=service)}


def main_password_row(login: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM mail_accounts WHERE login = %s", [login.lower()])
        return cursor.fetchone()[0] == 1


def staff():
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.mark.parametrize("scope", sorted(SCOPES))
def test_each_scope_opens_exactly_its_services(deployed, make_app_password, scope):
    user = UserFactory()
    user.two_step_enabled = True  # so only the app password can answer
    user.save(update_fields=["two_step_enabled"])
    created = make_app_password(user, scope=scope)
    assert opens(deployed, user.email, created.secret) == SCOPES[scope], deployed.log_text()[-2000:]


def test_the_string_exactly_as_copied_and_nothing_near_it(deployed, make_app_password):
    user = UserFactory()
    created = make_app_password(user, scope="all")
    assert deployed.auth_test(user.email, created.secret)
    for near in (created.secret + " ", " " + created.secret, created.secret[:-1], created.secret.swapcase()):
        if near != created.secret:
            assert not deployed.auth_test(user.email, near), repr(near)


def test_login_case_does_not_matter(deployed, make_app_password):
    user = UserFactory()
    created = make_app_password(user, scope="all")
    assert opens(deployed, user.email.upper(), created.secret) == set(SERVICES)
    assert deployed.auth_test(user.email.title(), PASSWORD, service="imap")


def test_main_password_with_two_step_off_and_on(deployed):
    user = UserFactory()
    assert opens(deployed, user.email, PASSWORD) == set(SERVICES)
    assert not deployed.auth_test(user.email, PASSWORD + "x")
    user.two_step_enabled = True
    user.save(update_fields=["two_step_enabled"])
    assert opens(deployed, user.email, PASSWORD) == set()


def test_revoke_and_expiry_with_no_job(deployed, make_app_password):
    user = UserFactory()
    revoked, expiring, kept = (make_app_password(user, scope="all", name=n) for n in ("a", "b", "c"))
    app_password_revoke(user=user, app_password_id=revoked.app_password.pk, actor=user, client=SYSTEM)
    AppPassword.objects.filter(pk=expiring.app_password.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert opens(deployed, user.email, revoked.secret) == set()
    assert opens(deployed, user.email, expiring.secret) == set()
    assert opens(deployed, user.email, kept.secret) == set(SERVICES)


def test_password_change(deployed, make_app_password):
    user = UserFactory()
    created = make_app_password(user, scope="all")
    password_set(user=user, new_password="Another-Long-Passphrase-42", actor=user, client=SYSTEM)
    assert opens(deployed, user.email, created.secret) == set()
    assert not deployed.auth_test(user.email, PASSWORD, service="imap")
    assert deployed.auth_test(user.email, "Another-Long-Passphrase-42", service="imap")


@pytest.mark.parametrize("require_setup", [False, True], ids=["reset", "reset-require-setup"])
def test_helpdesk_reset_of_two_step(deployed, make_app_password, require_setup):
    user = UserFactory()
    user.two_step_enabled = True
    user.save(update_fields=["two_step_enabled"])
    phone = make_app_password(user, scope="all")
    assert not deployed.auth_test(user.email, PASSWORD)
    helpdesk_action_perform(
        action_name="reset_two_step", staff=staff(), user_ids=[user.pk], reason="lost phone", client=SYSTEM,
        require_setup=require_setup,
    )
    # Dovecot says exactly what the portal's view says, on every service.
    expected = set(SERVICES) if main_password_row(user.email) else set()
    assert opens(deployed, user.email, PASSWORD) == expected
    if not require_setup:
        assert expected == set(SERVICES)
    assert opens(deployed, user.email, phone.secret) == set(SERVICES)


def test_account_disabled_and_enabled_again(deployed, make_app_password):
    user = UserFactory()
    created = make_app_password(user, scope="all")
    helpdesk_action_perform(
        action_name="disable_account", staff=staff(), user_ids=[user.pk], reason="abuse", client=SYSTEM
    )
    assert opens(deployed, user.email, PASSWORD) == set()
    assert opens(deployed, user.email, created.secret) == set()
    user.refresh_from_db()
    user.is_active = True
    user.save()
    assert opens(deployed, user.email, PASSWORD) == set(SERVICES)
    assert opens(deployed, user.email, created.secret) == set()  # the disable revoked it for good


def test_deleted_user_and_another_users_app_password(deployed, make_app_password):
    alice, bob = UserFactory(), UserFactory()
    bobs = make_app_password(bob, scope="all")
    assert opens(deployed, alice.email, bobs.secret) == set()
    assert deployed.auth_test(bob.email, bobs.secret)
    bob.delete()
    assert opens(deployed, bob.email, bobs.secret) == set()
    assert not deployed.auth_test(bob.email, PASSWORD)


def test_system_accounts_never_answer(deployed):
    """The stock auth-system.conf.ext (PAM, /etc/passwd) stays included, but the portal's passdbs end every
    lookup: a system user is unknown to mail. ``root`` has no usable password here, so the proof is that PAM
    is never asked (its lookups would show in the log)."""
    assert not deployed.auth_test("root", "anything")
    log = deployed.log_text()
    assert "unknown user" in log  # the portal's passdbs were asked (auth_verbose is on in the test instance)
    assert "pam(" not in log and "pam:" not in log
