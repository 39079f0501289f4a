"""Postfix with Dovecot SASL over the documented unix socket (the lines ``mail_server_config`` writes), TLS and
``smtpd_tls_auth_only = yes``: clients log in after STARTTLS, and Postfix says 235/535 exactly as the portal's
views decide.

Postfix's SASL requests use the service name ``smtp`` (Dovecot's submission says ``submission``), so this also
proves the ``smtp`` rows of ``mail_app_passwords``, and that a blocked main password is refused by Postfix too
(the view returns no row; Postfix would ignore ``nologin``)."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from security.app_passwords.services import app_password_revoke
from security.client import SYSTEM
from tests.factories import PASSWORD, UserFactory
from tests.servers.postfix import Postfix
from tests.servers.smtp_client import smtp_auth

pytestmark = [pytest.mark.mailserver, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def postfix(dovecot_server):
    root = Path(tempfile.mkdtemp(prefix="portal-postfix-"))
    server = Postfix(
        root=root,
        queue=dovecot_server.postfix_queue,
        generated=dovecot_server.etc / "postfix",
        cert=dovecot_server.root / "tls" / "mail.pem",
        key=dovecot_server.root / "tls" / "mail.key",
    ).__enter__()
    try:
        yield server
    finally:
        server.__exit__(None, None, None)
        if not os.environ.get("PORTAL_KEEP_DOVECOT"):
            shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_postfix_smtp_auth_follows_the_portal(postfix, dovecot, make_app_password, mechanism):
    user = UserFactory()
    smtp_only = make_app_password(user, scope="smtp")
    reading = make_app_password(user, scope="imap")
    assert smtp_auth(postfix.port, user.email, smtp_only.secret, mechanism=mechanism) == 235, (
        postfix.log_text()
    )
    assert smtp_auth(postfix.port, user.email, reading.secret, mechanism=mechanism) == 535
    assert smtp_auth(postfix.port, user.email, smtp_only.secret + "x", mechanism=mechanism) == 535
    app_password_revoke(user=user, app_password_id=smtp_only.app_password.pk, actor=user, client=SYSTEM)
    assert smtp_auth(postfix.port, user.email, smtp_only.secret, mechanism=mechanism) == 535


def test_postfix_offers_auth_only_after_starttls(postfix, dovecot):
    import smtplib

    from tests.servers.smtp_client import client_address, tls_context

    with smtplib.SMTP("127.0.0.1", postfix.port, timeout=15, source_address=client_address()) as smtp:
        smtp.ehlo("client.test")
        assert smtp.has_extn("starttls") and not smtp.has_extn("auth")
        smtp.starttls(context=tls_context())
        smtp.ehlo("client.test")
        assert "PLAIN" in smtp.esmtp_features["auth"].upper()


def test_postfix_refuses_the_main_password_once_two_step_is_on(postfix, dovecot):
    user = UserFactory()
    assert smtp_auth(postfix.port, user.email, PASSWORD) == 235
    user.two_step_enabled = True
    user.save(update_fields=["two_step_enabled"])
    assert smtp_auth(postfix.port, user.email, PASSWORD) == 535
