"""Issue 7 against a real Dovecot: helpdesk actions change what the mail server accepts, on the next AUTH."""

import pytest

from security.client import SYSTEM
from security.two_factor.services import authenticator_enroll
from tests.factories import PASSWORD, UserFactory
from tests.helpdesk.test_actions import run_action
from tests.servers.smtp_client import smtp_auth
from tests.two_factor.otp import code_at, current_step

pytestmark = [pytest.mark.mailserver, pytest.mark.django_db(transaction=True)]


def test_reset_two_step_gives_the_main_password_back_and_revoke_all_shuts_app_passwords_out(
    dovecot, helpdesk_client, make_app_password
):
    user = UserFactory()
    key = b"mail-user-key-012345"
    authenticator_enroll(user=user, secret=key, code=code_at(current_step() - 1, key), client=SYSTEM)
    outlook, phone = make_app_password(user, name="Outlook"), make_app_password(user, name="iPhone Mail")
    assert smtp_auth(dovecot.submission_port, user.email, PASSWORD) == 535  # two-step on: main password refused
    assert smtp_auth(dovecot.submission_port, user.email, outlook.secret) == 235

    assert run_action(helpdesk_client, "reset_two_step", [user]).status_code == 302
    assert smtp_auth(dovecot.submission_port, user.email, PASSWORD) == 235

    assert run_action(helpdesk_client, "revoke_app_passwords", [user]).status_code == 302
    assert smtp_auth(dovecot.submission_port, user.email, outlook.secret) == 535
    assert smtp_auth(dovecot.submission_port, user.email, phone.secret) == 535


def test_disabling_the_account_shuts_every_credential_out(dovecot, helpdesk_client, make_app_password):
    user = UserFactory()
    app_password = make_app_password(user)
    assert smtp_auth(dovecot.submission_port, user.email, PASSWORD) == 235
    assert run_action(helpdesk_client, "disable_account", [user]).status_code == 302
    assert smtp_auth(dovecot.submission_port, user.email, PASSWORD) == 535
    assert smtp_auth(dovecot.submission_port, user.email, app_password.secret) == 535
