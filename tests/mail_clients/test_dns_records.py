"""The DNS records the docs tell a deployer to add follow the same settings as every answer."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def records(**options) -> list[str]:
    out = StringIO()
    call_command("mail_dns_records", stdout=out, **options)
    return out.getvalue().splitlines()


def test_srv_records_follow_the_server_settings(mail_settings):
    lines = records(portal_host="security.example.com")
    assert "; example.com" in lines and "; mail.example.org" in lines
    assert "autoconfig.example.com. 3600 IN CNAME security.example.com." in lines
    assert "autodiscover.example.com. 3600 IN CNAME security.example.com." in lines
    assert "_autodiscover._tcp.example.com. 3600 IN SRV 0 0 443 security.example.com." in lines
    # IMAP and POP3 on implicit TLS, SMTP submission with STARTTLS (tests/mail_clients/conftest.py).
    assert "_imaps._tcp.example.com. 3600 IN SRV 0 1 1993 imap.mail.test." in lines
    assert "_imap._tcp.example.com. 3600 IN SRV 0 0 0 ." in lines
    assert "_pop3s._tcp.example.com. 3600 IN SRV 0 1 1995 pop.mail.test." in lines
    assert "_submission._tcp.example.com. 3600 IN SRV 0 1 1587 smtp.mail.test." in lines
    assert "_submissions._tcp.example.com. 3600 IN SRV 0 0 0 ." in lines


def test_implicit_tls_submission_is_submissions(mail_settings):
    mail_settings.PORTAL_MAIL_SMTP_SECURITY = "SSL/TLS"
    mail_settings.PORTAL_MAIL_SMTP_PORT = 465
    lines = records(portal_host="security.example.com")
    assert "_submissions._tcp.example.com. 3600 IN SRV 0 1 465 smtp.mail.test." in lines


def test_portal_host_is_needed(mail_settings):
    mail_settings.ALLOWED_HOSTS = ["*"]
    with pytest.raises(CommandError, match="--portal-host"):
        records()
