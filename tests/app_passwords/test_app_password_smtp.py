"""SECURITY.md 21-25 through a real Dovecot (shipped config) and smtplib: 235 or 535 exactly as the portal says."""

import pytest

from tests.app_passwords.conftest import smtp_auth, smtp_send
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.mailserver, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_fresh_app_password_authenticates_and_mail_reaches_the_sink(dovecot, smtp_sink, make_app_password,
                                                                    mechanism):
    user = UserFactory()
    created = make_app_password(user)
    assert smtp_auth(dovecot.submission_port, user.email, created.secret, mechanism=mechanism) == 235
    before = len(smtp_sink.messages)
    smtp_send(dovecot.submission_port, user.email, created.secret, to="friend@example.net", subject=mechanism)
    assert len(smtp_sink.messages) == before + 1
    assert f"Subject: {mechanism}".encode() in smtp_sink.messages[-1].data
