import pytest


@pytest.fixture
def mail_settings(settings):
    """Distinct values per field, so a field read from the wrong setting shows."""
    settings.PORTAL_MAIL_DOMAINS = ["Example.com", "mail.example.org"]
    settings.PORTAL_MAIL_IMAP_HOST = "imap.mail.test"
    settings.PORTAL_MAIL_IMAP_PORT = 1993
    settings.PORTAL_MAIL_IMAP_SECURITY = "SSL/TLS"
    settings.PORTAL_MAIL_POP3_HOST = "pop.mail.test"
    settings.PORTAL_MAIL_POP3_PORT = 1995
    settings.PORTAL_MAIL_POP3_SECURITY = "SSL/TLS"
    settings.PORTAL_MAIL_SMTP_HOST = "smtp.mail.test"
    settings.PORTAL_MAIL_SMTP_PORT = 1587
    settings.PORTAL_MAIL_SMTP_SECURITY = "STARTTLS"
    settings.PORTAL_SITE_NAME = "Example Mail"
    return settings
