"""Fixtures for app passwords: a real Dovecot (shipped config, test database) and an SMTP sink, one per session."""

import contextlib
import os
import secrets
import shutil
import smtplib
import tempfile
from pathlib import Path

import pytest

from security.app_passwords.services import app_password_create
from security.client import SYSTEM
from tests.servers.dovecot import dovecot_start
from tests.servers.process import LOOPBACK
from tests.servers.smtp_sink import SmtpSink


@pytest.fixture(scope="session")
def smtp_sink():
    with SmtpSink() as sink:
        yield sink


@pytest.fixture(scope="session")
def dovecot(django_db_setup, django_db_blocker, smtp_sink):
    """Started once per session. Tests that use it must commit their data (``transactional_db``/``live_server``)."""
    root = Path(tempfile.mkdtemp(prefix="portal-dovecot-"))
    with django_db_blocker.unblock():
        server = dovecot_start(relay_port=smtp_sink.port, root=root)
    try:
        yield server
    finally:
        server.__exit__(None, None, None)
        if not os.environ.get("PORTAL_KEEP_DOVECOT"):
            shutil.rmtree(root, ignore_errors=True)


def client_address() -> tuple[str, int]:
    """A fresh loopback source address per connection: Dovecot's per-IP auth penalty (2, 4, 8, 15 s after failures)
    would otherwise slow every later test down; tests about throttling can pass their own."""
    return (f"127.{secrets.randbelow(250) + 1}.{secrets.randbelow(250) + 1}.{secrets.randbelow(250) + 1}", 0)


def smtp_auth(port: int, login: str, password: str, *, mechanism: str = "PLAIN") -> int:
    """One SMTP session: EHLO, AUTH with the given mechanism; returns the reply code (235, 535, ...)."""
    with smtplib.SMTP(LOOPBACK, port, timeout=15, source_address=client_address()) as smtp:
        smtp.ehlo("client.test")
        smtp.user, smtp.password = login, password
        authobject = smtp.auth_plain if mechanism == "PLAIN" else smtp.auth_login
        try:
            code, _reply = smtp.auth(mechanism, authobject, initial_response_ok=True)
        except smtplib.SMTPAuthenticationError as error:
            return error.smtp_code
        except smtplib.SMTPResponseException as error:
            return error.smtp_code
        return code


def smtp_send(port: int, login: str, password: str, *, to: str, subject: str) -> None:
    with smtplib.SMTP(LOOPBACK, port, timeout=15, source_address=client_address()) as smtp:
        smtp.ehlo("client.test")
        smtp.login(login, password)
        smtp.sendmail(login, [to], f"From: {login}\r\nTo: {to}\r\nSubject: {subject}\r\n\r\nHello.\r\n")
        with contextlib.suppress(smtplib.SMTPServerDisconnected):
            smtp.quit()


@pytest.fixture
def make_app_password():
    def make(user, *, scope="smtp", name="Thunderbird", **kwargs):
        return app_password_create(user=user, name=name, scope=scope, actor=None, client=SYSTEM, **kwargs)

    return make
