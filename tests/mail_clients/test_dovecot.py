"""Through the test Dovecot (shipped config, test database): the servers the autoconfig and autodiscover answers
name accept an app password for the matching service, and a profile's app password works for IMAP and SMTP."""

import plistlib
import re
import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from security.mail_clients.documents import AUTODISCOVER_OUTLOOK_NS
from tests.factories import PASSWORD, UserFactory
from tests.mail_clients.test_discovery import autodiscover_body

pytestmark = pytest.mark.mailserver

# What Dovecot calls each protocol a mail app speaks: SMTP AUTH reaches it as submission (Dovecot's own) or smtp
# (Postfix's SASL); both must work for an answer that says "SMTP".
SERVICES = {"imap": ["imap"], "pop3": ["pop3"], "smtp": ["submission", "smtp"]}


def test_autoconfig_servers_accept_the_app_password(dovecot, mail_settings, make_app_password):
    user = UserFactory(email="reader@example.com")
    secret = make_app_password(user, scope="all").secret
    other_user = UserFactory(email="other@example.com")
    answer = Client().get("/.well-known/autoconfig/mail/config-v1.1.xml", {"emailaddress": user.email})
    provider = ET.fromstring(answer.content).find("emailProvider")  # noqa: S314 - our own answer
    wrong = secret[:-1] + ("a" if secret[-1] != "a" else "b")
    checked = []
    for server in [*provider.findall("incomingServer"), *provider.findall("outgoingServer")]:
        protocol = server.get("type")
        login = server.findtext("username").replace("%EMAILADDRESS%", user.email)
        expected = {"imap": 1993, "pop3": 1995, "smtp": 1587}[protocol]
        assert (server.findtext("port"), server.findtext("authentication")) == (str(expected), "password-cleartext")
        for service in SERVICES[protocol]:
            assert dovecot.auth_test(login, secret, service=service), (protocol, service)
            assert not dovecot.auth_test(login, wrong, service=service)
            assert not dovecot.auth_test(other_user.email, secret, service=service)
            checked.append(service)
    assert sorted(checked) == ["imap", "pop3", "smtp", "submission"]


def test_autodiscover_login_name_accepts_the_app_password(dovecot, mail_settings, make_app_password):
    user = UserFactory(email="outlook.user@example.com")
    secret = make_app_password(user, scope="all").secret
    answer = Client().post(
        "/autodiscover/autodiscover.xml", autodiscover_body("Outlook.User@Example.com"), content_type="text/xml"
    )
    ns = {"r": AUTODISCOVER_OUTLOOK_NS}
    for protocol in ET.fromstring(answer.content).iterfind(".//r:Protocol", ns):  # noqa: S314 - our own answer
        kind = protocol.findtext("r:Type", namespaces=ns).lower()
        login = protocol.findtext("r:LoginName", namespaces=ns)
        for service in SERVICES[kind]:
            assert dovecot.auth_test(login, secret, service=service), (kind, service)


def test_profile_app_password_signs_in_and_stops_when_revoked(dovecot, mail_settings):
    user = UserFactory(email="phone.user@example.com")
    client = Client()
    client.post("/account/sign-in/", {"username": user.email, "password": PASSWORD})
    page = client.get("/mail-setup/apple/").content.decode()
    key = re.search(r'name="creation_key" value="([^"]+)"', page).group(1)
    profile = plistlib.loads(client.post("/mail-setup/apple/", {"name": "iPhone", "creation_key": key}).content)
    [payload] = profile["PayloadContent"]
    assert dovecot.auth_test(payload["IncomingMailServerUsername"], payload["IncomingPassword"], service="imap")
    assert dovecot.auth_test(payload["OutgoingMailServerUsername"], payload["OutgoingPassword"], service="submission")
    client.post("/app-passwords/revoke-all/", {"confirmed": "yes"})  # as the confirmation page sends it
    assert not dovecot.auth_test(payload["IncomingMailServerUsername"], payload["IncomingPassword"], service="imap")
