"""Issue 19, "The mail server after a helpdesk reset", through a real Dovecot and Postfix.

"Reset two-step verification" with "require setup again" is what helpdesk does after a lost phone or a
compromise. Until the user has enrolled again, the main password must open no mail service: ``mail_accounts``
has no row for them (migration app_passwords 0003)."""

import pytest
from django.db import connection

from security.client import SYSTEM
from security.two_factor.services import authenticator_enroll, two_step_disable
from tests.app_passwords.test_app_password_postfix import postfix  # noqa: F401 - its module-scoped Postfix
from tests.factories import PASSWORD, UserFactory
from tests.helpdesk.test_actions import run_action
from tests.servers.smtp_client import smtp_auth
from tests.two_factor.otp import code_at, current_step

pytestmark = [pytest.mark.mailserver, pytest.mark.django_db(transaction=True)]

KEY = b"setup-required-key-0"
SERVICES = ["smtp", "submission", "imap", "pop3"]


def main_password_opens(dovecot, postfix, user) -> dict[str, bool]:  # noqa: F811
    opens = {service: dovecot.auth_test(user.email, PASSWORD, service=service) for service in SERVICES}
    opens["submission 235"] = smtp_auth(dovecot.submission_port, user.email, PASSWORD) == 235
    opens["postfix 235"] = smtp_auth(postfix.port, user.email, PASSWORD) == 235
    return opens


def enrol(user):
    authenticator_enroll(user=user, secret=KEY, code=code_at(current_step() - 1, KEY), client=SYSTEM)


def test_no_mail_with_the_main_password_until_the_user_sets_two_step_up_again(
    dovecot,
    postfix,  # noqa: F811
    helpdesk_client,
):
    user = UserFactory()
    enrol(user)
    assert not any(main_password_opens(dovecot, postfix, user).values())  # two-step on

    response = helpdesk_client.post(
        "/admin/accounts/user/helpdesk/reset_two_step/",
        {"ids": str(user.pk), "reason": "Phone stolen, identity checked", "require_setup": "on"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.two_step_enabled and user.two_step_setup_required
    assert not any(main_password_opens(dovecot, postfix, user).values()), connection.vendor
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM mail_accounts WHERE login = %s", [user.email])
        assert cursor.fetchone()[0] == 0

    # The user enrols again: still no main password (two-step is on). Turning it off later gives it back.
    enrol(user)
    assert not any(main_password_opens(dovecot, postfix, user).values())
    two_step_disable(user=user, client=SYSTEM, actor=user)
    user.refresh_from_db()
    assert not user.two_step_setup_required
    assert all(main_password_opens(dovecot, postfix, user).values())


def test_a_reset_without_require_setup_gives_the_main_password_back(dovecot, postfix, helpdesk_client):  # noqa: F811
    user = UserFactory()
    enrol(user)
    assert run_action(helpdesk_client, "reset_two_step", [user]).status_code == 302
    assert all(main_password_opens(dovecot, postfix, user).values())
