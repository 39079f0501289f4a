"""Real client sessions against the deployed Dovecot 2.3 and 2.4: SMTP submission (STARTTLS, then AUTH PLAIN
and LOGIN, one message through to the relay), IMAP and POP3 over implicit TLS with Python's imaplib and poplib.
The ports and TLS modes are the PORTAL_MAIL_* settings the portal shows users (the generated listeners)."""

import imaplib
import poplib
import smtplib
import socket

import pytest

from tests.factories import PASSWORD, UserFactory
from tests.servers.dovecot import VERSIONS
from tests.servers.smtp_client import client_address, smtp_auth, smtp_send, tls_context

pytestmark = [pytest.mark.mailserver, pytest.mark.django_db(transaction=True)]


class IMAP(imaplib.IMAP4_SSL):
    """From a fresh loopback address each time: Dovecot's per-IP penalty after a failure stays out of the way."""

    def _create_socket(self, timeout):
        sock = socket.create_connection((self.host, self.port), timeout, source_address=client_address())
        return self.ssl_context.wrap_socket(sock, server_hostname=self.host)


class POP3(poplib.POP3_SSL):
    def _create_socket(self, timeout):
        sock = socket.create_connection((self.host, self.port), timeout, source_address=client_address())
        return self.context.wrap_socket(sock, server_hostname=self.host)


def imap_login(server, login, password) -> bool:
    with IMAP("127.0.0.1", server.imap_port, ssl_context=tls_context(), timeout=15) as imap:
        try:
            imap.login(login, password)
        except imaplib.IMAP4.error:
            return False
        status, _data = imap.select("INBOX")  # the maildir of this address is created and opened
        assert status == "OK"
        imap.logout()
        return True


def pop3_login(server, login, password) -> bool:
    pop = POP3("127.0.0.1", server.pop3_port, context=tls_context(), timeout=15)
    try:
        pop.user(login)
        pop.pass_(password)
    except poplib.error_proto:
        return False
    finally:
        try:
            pop.quit()
        except (poplib.error_proto, OSError):
            pop.close()
    return True


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_submission_after_starttls_with_an_app_password(deployed, smtp_sink, make_app_password, mechanism):
    user = UserFactory()
    sending = make_app_password(user, scope="smtp")
    reading = make_app_password(user, scope="imap")
    assert smtp_auth(deployed.submission_port, user.email.upper(), sending.secret, mechanism=mechanism) == 235
    assert smtp_auth(deployed.submission_port, user.email, reading.secret, mechanism=mechanism) == 535
    before = len(smtp_sink.messages)
    smtp_send(deployed.submission_port, user.email, sending.secret, to="friend@example.net", subject=mechanism)
    assert len(smtp_sink.messages) == before + 1


def test_submission_takes_a_password_only_inside_tls(deployed):
    """Stock Debian keeps plaintext authentication off outside TLS; the right password is refused there."""
    user = UserFactory()
    with smtplib.SMTP("127.0.0.1", deployed.submission_port, timeout=15, source_address=client_address()) as smtp:
        smtp.ehlo("client.test")
        assert smtp.has_extn("starttls")
        smtp.user, smtp.password = user.email, PASSWORD
        with pytest.raises(smtplib.SMTPException):
            smtp.auth("PLAIN", smtp.auth_plain, initial_response_ok=True)
        smtp.starttls(context=tls_context())
        smtp.ehlo("client.test")
        assert "LOGIN" in smtp.esmtp_features["auth"].upper()
        smtp.user, smtp.password = user.email, PASSWORD
        assert smtp.auth("PLAIN", smtp.auth_plain, initial_response_ok=True)[0] == 235


def test_imap_and_pop3_follow_scope_and_two_step(deployed, make_app_password):
    user = UserFactory()
    reading = make_app_password(user, scope="imap")
    sending = make_app_password(user, scope="smtp")
    assert imap_login(deployed, user.email, reading.secret)
    assert pop3_login(deployed, user.email.upper(), reading.secret)
    assert not imap_login(deployed, user.email, sending.secret)
    assert not pop3_login(deployed, user.email, sending.secret)
    assert imap_login(deployed, user.email, PASSWORD)
    assert pop3_login(deployed, user.email, PASSWORD)
    user.two_step_enabled = True
    user.save(update_fields=["two_step_enabled"])
    assert not imap_login(deployed, user.email, PASSWORD)
    assert not pop3_login(deployed, user.email, PASSWORD)
    assert imap_login(deployed, user.email, reading.secret)


def test_mail_lands_in_a_maildir_per_address(deployed, make_app_password):
    user = UserFactory()
    reading = make_app_password(user, scope="imap")
    assert imap_login(deployed, user.email, reading.secret)
    local, domain = user.email.split("@")
    assert (deployed.root / "vmail" / domain / local / "Maildir").is_dir()


@pytest.mark.parametrize("version", VERSIONS)
def test_the_default_implicit_tls_submission_port(version, smtp_sink, make_app_password):
    """PORTAL_MAIL_SMTP_SECURITY's default, SSL/TLS (port 465 in production): Dovecot's ``submissions``
    listener speaks TLS from the first byte, and the plain-text listener is off."""
    import shutil

    from tests.servers.dovecot import dovecot_start

    server = dovecot_start(relay_port=smtp_sink.port, version=version, smtp_security="SSL/TLS")
    try:
        from security.app_passwords.services import mail_site_options_sync

        mail_site_options_sync()
        user = UserFactory()
        sending = make_app_password(user, scope="smtp")
        with smtplib.SMTP_SSL(
            "127.0.0.1", server.submission_port, timeout=15, context=tls_context(), source_address=client_address()
        ) as smtp:
            smtp.ehlo("client.test")
            assert smtp.login(user.email, sending.secret)[0] == 235
        assert "inet_listener submission {\n    port = 0" in (server.etc / "conf.d" / "99-portal.conf").read_text()
    finally:
        server.__exit__(None, None, None)
        shutil.rmtree(server.root, ignore_errors=True)
