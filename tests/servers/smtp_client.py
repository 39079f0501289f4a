"""smtplib helpers for tests that talk to the test Dovecot or Postfix."""

import contextlib
import secrets
import smtplib
import ssl

from .process import LOOPBACK


def client_address() -> tuple[str, int]:
    """A fresh loopback source address per connection: Dovecot's per-IP auth penalty (2, 4, 8, 15 s after
    failures)
    would otherwise slow every later test down; tests about throttling can pass their own."""
    return (f"127.{secrets.randbelow(250) + 1}.{secrets.randbelow(250) + 1}.{secrets.randbelow(250) + 1}", 0)


def tls_context() -> ssl.SSLContext:
    """The test servers use a self-signed certificate the test made; what matters here is that AUTH happens
    inside TLS, as the deployed config demands."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _hello(smtp: smtplib.SMTP) -> None:
    """EHLO, then STARTTLS and EHLO again when the server offers it (the deployed Dovecot and Postfix offer AUTH
    only inside TLS)."""
    smtp.ehlo("client.test")
    if smtp.has_extn("starttls"):
        smtp.starttls(context=tls_context())
        smtp.ehlo("client.test")


def smtp_auth(port: int, login: str, password: str, *, mechanism: str = "PLAIN") -> int:
    """One SMTP session: EHLO, AUTH with the given mechanism; returns the reply code (235, 535, ...)."""
    with smtplib.SMTP(LOOPBACK, port, timeout=15, source_address=client_address()) as smtp:
        _hello(smtp)
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
        _hello(smtp)
        smtp.login(login, password)
        smtp.sendmail(login, [to], f"From: {login}\r\nTo: {to}\r\nSubject: {subject}\r\n\r\nHello.\r\n")
        with contextlib.suppress(smtplib.SMTPServerDisconnected):
            smtp.quit()
