"""Thunderbird autoconfig and Outlook autodiscover: each field against the settings, the same answer for every
address of a mail domain, none for other domains, no session, no database, cacheable, bad XML is a 400."""

import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from security.mail_clients.documents import AUTODISCOVER_BODY_MAX, AUTODISCOVER_OUTLOOK_NS
from tests.factories import UserFactory

WELL_KNOWN = "/.well-known/autoconfig/mail/config-v1.1.xml"
AUTOCONFIG_HOST_PATH = "/mail/config-v1.1.xml"
AUTODISCOVER_PATHS = ["/autodiscover/autodiscover.xml", "/Autodiscover/Autodiscover.xml"]
REQUEST_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
RESPONSE_NS = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"


def autodiscover_body(address: str, schema: str = AUTODISCOVER_OUTLOOK_NS) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="{REQUEST_NS}"><Request>'
        f"<EMailAddress>{address}</EMailAddress><AcceptableResponseSchema>{schema}</AcceptableResponseSchema>"
        "</Request></Autodiscover>"
    ).encode()


def servers_in_autoconfig(content: bytes) -> dict:
    root = ET.fromstring(content)  # noqa: S314 - our own answer
    assert root.tag == "clientConfig" and root.get("version") == "1.1"
    provider = root.find("emailProvider")
    found = {}
    for element in [*provider.findall("incomingServer"), *provider.findall("outgoingServer")]:
        found[element.get("type")] = {child.tag: child.text for child in element}
    return {"provider": provider, "servers": found}


# --- Thunderbird -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", [WELL_KNOWN, AUTOCONFIG_HOST_PATH])
def test_autoconfig_lists_imap_pop3_smtp_from_the_settings(client, mail_settings, path):
    response = client.get(path, {"emailaddress": "someone@example.com"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    parsed = servers_in_autoconfig(response.content)
    provider = parsed["provider"]
    assert provider.get("id") == "example.com"
    assert [d.text for d in provider.findall("domain")] == ["example.com", "mail.example.org"]
    assert provider.findtext("displayName") == "Example Mail"
    assert parsed["servers"] == {
        "imap": {
            "hostname": "imap.mail.test",
            "port": "1993",
            "socketType": "SSL",
            "authentication": "password-cleartext",
            "username": "%EMAILADDRESS%",
        },
        "pop3": {
            "hostname": "pop.mail.test",
            "port": "1995",
            "socketType": "SSL",
            "authentication": "password-cleartext",
            "username": "%EMAILADDRESS%",
        },
        "smtp": {
            "hostname": "smtp.mail.test",
            "port": "1587",
            "socketType": "STARTTLS",
            "authentication": "password-cleartext",
            "username": "%EMAILADDRESS%",
        },
    }


@pytest.mark.parametrize(
    ("security", "socket_type"),
    [("SSL/TLS", "SSL"), ("ssl", "SSL"), ("STARTTLS", "STARTTLS"), ("starttls", "STARTTLS"), ("none", "plain")],
)
def test_autoconfig_socket_type_follows_the_security_setting(client, mail_settings, security, socket_type):
    mail_settings.PORTAL_MAIL_SMTP_SECURITY = security
    response = client.get(WELL_KNOWN, {"emailaddress": "a@example.com"})
    assert servers_in_autoconfig(response.content)["servers"]["smtp"]["socketType"] == socket_type


def test_same_answer_for_any_address_of_the_domain_existing_or_not(client, mail_settings, db):
    existing = UserFactory(email="real.user@example.com")
    answers = {
        client.get(WELL_KNOWN, {"emailaddress": address}).content
        for address in [existing.email, "nobody-here@example.com", "REAL.USER@EXAMPLE.COM", "x@example.com."]
    }
    assert len(answers) == 1
    assert b"real.user" not in answers.pop()


@pytest.mark.parametrize(
    "address",
    [
        "someone@other.test",
        "someone@evil.example.com",  # a subdomain is not the domain
        "someone@example.com.evil.test",
        "someone@",
        "@example.com",
        "example.com",
        "",
        "some one@example.com",
        "a" * 400 + "@example.com",
    ],
)
def test_no_answer_for_other_domains_or_non_addresses(client, mail_settings, address):
    response = client.get(WELL_KNOWN, {"emailaddress": address})
    assert response.status_code == 404
    assert response.content == b""


def test_without_an_address_the_host_name_says_the_domain(client, mail_settings):
    ok = client.get(AUTOCONFIG_HOST_PATH, HTTP_HOST="autoconfig.example.com")
    assert ok.status_code == 200
    assert servers_in_autoconfig(ok.content)["provider"].get("id") == "example.com"
    assert client.get(WELL_KNOWN, HTTP_HOST="mail.example.org").status_code == 200
    assert client.get(AUTOCONFIG_HOST_PATH, HTTP_HOST="autoconfig.other.test").status_code == 404
    assert client.get(AUTOCONFIG_HOST_PATH, HTTP_HOST="portal.example.net").status_code == 404


def test_discovery_is_cheap_cacheable_and_sessionless(client, mail_settings, django_assert_num_queries, db):
    with django_assert_num_queries(0):
        autoconfig = client.get(WELL_KNOWN, {"emailaddress": "a@example.com"})
        autodiscover = client.post(
            AUTODISCOVER_PATHS[0], autodiscover_body("a@example.com"), content_type="text/xml"
        )
    for response in (autoconfig, autodiscover):
        assert response.status_code == 200
        cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"public", "max-age=3600"} <= cache_control
        assert "Set-Cookie" not in response.headers
        assert not response.cookies


def test_autoconfig_answers_head_and_refuses_other_methods(client, mail_settings):
    assert client.head(WELL_KNOWN, {"emailaddress": "a@example.com"}).status_code == 200
    assert client.post(WELL_KNOWN, {"emailaddress": "a@example.com"}).status_code == 405


# --- Outlook -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", AUTODISCOVER_PATHS)
def test_autodiscover_answers_imap_and_smtp_from_the_settings(mail_settings, path):
    client = Client(enforce_csrf_checks=True)  # Outlook has no CSRF token: the POST must work without one
    response = client.post(path, autodiscover_body("Someone@Example.com"), content_type="text/xml")
    assert response.status_code == 200, response.content
    root = ET.fromstring(response.content)  # noqa: S314 - our own answer
    assert root.tag == f"{{{RESPONSE_NS}}}Autodiscover"
    ns = {"r": AUTODISCOVER_OUTLOOK_NS}
    account = root.find("r:Response/r:Account", ns)
    assert account.findtext("r:AccountType", namespaces=ns) == "email"
    assert account.findtext("r:Action", namespaces=ns) == "settings"
    protocols = {
        p.findtext("r:Type", namespaces=ns): {child.tag.split("}")[1]: child.text for child in p}
        for p in account.findall("r:Protocol", ns)
    }
    assert set(protocols) == {"IMAP", "SMTP"}
    imap, smtp = protocols["IMAP"], protocols["SMTP"]
    assert (imap["Server"], imap["Port"], imap["SSL"], imap["Encryption"]) == ("imap.mail.test", "1993", "on", "SSL")
    assert (smtp["Server"], smtp["Port"], smtp["SSL"], smtp["Encryption"]) == ("smtp.mail.test", "1587", "on", "TLS")
    for protocol in (imap, smtp):
        assert protocol["LoginName"] == "someone@example.com"
        assert protocol["SPA"] == "off" and protocol["AuthRequired"] == "on" and protocol["DomainRequired"] == "off"


def test_autodiscover_answer_is_the_same_for_existing_and_unknown_addresses(client, mail_settings, db):
    UserFactory(email="real.user@example.com")
    known = client.post(AUTODISCOVER_PATHS[0], autodiscover_body("real.user@example.com"), content_type="text/xml")
    unknown = client.post(AUTODISCOVER_PATHS[0], autodiscover_body("nobody@example.com"), content_type="text/xml")
    assert known.content.replace(b"real.user@", b"nobody@") == unknown.content


@pytest.mark.parametrize(
    "address", ["someone@other.test", "someone@evil.example.com", "not-an-address", "a b@example.com"]
)
def test_autodiscover_gives_nothing_for_other_domains(client, mail_settings, address):
    response = client.post(AUTODISCOVER_PATHS[0], autodiscover_body(address), content_type="text/xml")
    assert response.status_code == 404 and response.content == b""


def test_autodiscover_gives_nothing_for_another_schema(client, mail_settings):
    body = autodiscover_body(
        "a@example.com", "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006"
    )
    assert client.post(AUTODISCOVER_PATHS[0], body, content_type="text/xml").status_code == 404


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Autodiscover><Request><EMailAddress>&lol3;@example.com</EMailAddress></Request></Autodiscover>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE a [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>
<Autodiscover><Request><EMailAddress>&xxe;@example.com</EMailAddress></Request></Autodiscover>"""


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml at all",
        b"<Autodiscover><Request><EMailAddress>a@example.com</EMailAddress>",  # truncated
        b"<Other><Request><EMailAddress>a@example.com</EMailAddress></Request></Other>",
        b"<Autodiscover><Request></Request></Autodiscover>",
        b"<Autodiscover><Request><EMailAddress> </EMailAddress></Request></Autodiscover>",
        BILLION_LAUGHS,
        XXE,
        "<Autodiscover><Request><EMailAddress>\udcff</EMailAddress></Request></Autodiscover>".encode(
            "utf-8", "surrogatepass"
        ),
        b"\xff\xfe<\x00A\x00",
        autodiscover_body("a@example.com" + " " * AUTODISCOVER_BODY_MAX),  # oversized
    ],
)
def test_bad_or_oversized_xml_is_a_400_never_a_500(client, mail_settings, body):
    response = client.post(AUTODISCOVER_PATHS[0], body, content_type="text/xml")
    assert response.status_code == 400
    assert b"root:" not in response.content and response.content == b""


def test_autodiscover_needs_post(client, mail_settings):
    assert client.get(AUTODISCOVER_PATHS[0]).status_code == 405
