"""The documents mail apps fetch: Mozilla autoconfig, Outlook's POX autodiscover, and Apple's configuration
profile. Pure functions of their arguments and the server settings; nothing here touches the database.

Invariants:
- Autoconfig and autodiscover answers depend only on the mail domain (autodiscover also echoes the address the
  client sent, as the login name): whether the account exists changes nothing.
- XML is built with ElementTree (escaped), and the only XML we parse, the autodiscover request body, goes through
  defusedxml with a size limit: no DTDs, no entities, no external references.
"""

import plistlib
import uuid
import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring

from .servers import PLAIN, SSL, STARTTLS, MailServer

AUTODISCOVER_BODY_MAX = 16 * 1024
AUTODISCOVER_RESPONSE_NS = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
AUTODISCOVER_OUTLOOK_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
AUTOCONFIG_SOCKET_TYPES = {SSL: "SSL", STARTTLS: "STARTTLS", PLAIN: "plain"}
AUTODISCOVER_ENCRYPTION = {SSL: "SSL", STARTTLS: "TLS", PLAIN: "None"}


def _xml(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _text(parent: ET.Element, tag: str, text) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = str(text)
    return element


# --- Thunderbird (and K-9/Thunderbird for Android, Evolution, KMail): Mozilla's config-v1.1.xml ----------------
def autoconfig_xml(*, domain: str, domains: list[str], servers: dict[str, MailServer], display_name: str) -> bytes:
    root = ET.Element("clientConfig", version="1.1")
    provider = ET.SubElement(root, "emailProvider", id=domain)
    for name in [domain, *(d for d in domains if d != domain)]:
        _text(provider, "domain", name)
    _text(provider, "displayName", display_name)
    _text(provider, "displayShortName", display_name)
    for protocol, tag in (("imap", "incomingServer"), ("pop3", "incomingServer"), ("smtp", "outgoingServer")):
        server = servers[protocol]
        element = ET.SubElement(provider, tag, type=protocol)
        _text(element, "hostname", server.host)
        _text(element, "port", server.port)
        _text(element, "socketType", AUTOCONFIG_SOCKET_TYPES[server.kind])
        _text(element, "authentication", "password-cleartext")
        # A placeholder, not the address: the answer is the same for every address of the domain.
        _text(element, "username", "%EMAILADDRESS%")
    return _xml(root)


# --- Outlook: POX autodiscover --------------------------------------------------------------------------------
class BadAutodiscoverRequest(ValueError):
    pass


def _local_name(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def autodiscover_request_parse(body: bytes) -> tuple[str, str]:
    """(EMailAddress, AcceptableResponseSchema or "") from the request body; BadAutodiscoverRequest otherwise."""
    if not body or len(body) > AUTODISCOVER_BODY_MAX:
        raise BadAutodiscoverRequest("empty or too large")
    try:
        root = defused_fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ET.ParseError, DefusedXmlException, ValueError) as error:
        raise BadAutodiscoverRequest(str(error)) from None
    if _local_name(root.tag) != "Autodiscover":
        raise BadAutodiscoverRequest("not an Autodiscover request")
    request = next((child for child in root if _local_name(child.tag) == "Request"), None)
    if request is None:
        raise BadAutodiscoverRequest("no Request element")
    fields = {_local_name(child.tag): (child.text or "").strip() for child in request}
    address = fields.get("EMailAddress", "")
    if not address:
        raise BadAutodiscoverRequest("no EMailAddress")
    return address, fields.get("AcceptableResponseSchema", "")


def autodiscover_xml(*, address: str, servers: dict[str, MailServer], display_name: str) -> bytes:
    ET.register_namespace("", AUTODISCOVER_RESPONSE_NS)
    root = ET.Element(f"{{{AUTODISCOVER_RESPONSE_NS}}}Autodiscover")
    response = ET.SubElement(root, f"{{{AUTODISCOVER_OUTLOOK_NS}}}Response")
    ns = f"{{{AUTODISCOVER_OUTLOOK_NS}}}"
    account = ET.SubElement(response, f"{ns}Account")
    _text(account, f"{ns}AccountType", "email")
    _text(account, f"{ns}Action", "settings")
    _text(account, f"{ns}DisplayName", display_name)
    for protocol in ("imap", "smtp"):
        server = servers[protocol]
        element = ET.SubElement(account, f"{ns}Protocol")
        _text(element, f"{ns}Type", protocol.upper())
        _text(element, f"{ns}Server", server.host)
        _text(element, f"{ns}Port", server.port)
        _text(element, f"{ns}DomainRequired", "off")
        _text(element, f"{ns}LoginName", address)
        _text(element, f"{ns}SPA", "off")
        # SSL=on with Encryption says which kind; Outlook reads Encryption when present.
        _text(element, f"{ns}SSL", "on" if server.uses_tls else "off")
        _text(element, f"{ns}Encryption", AUTODISCOVER_ENCRYPTION[server.kind])
        _text(element, f"{ns}AuthRequired", "on")
        if protocol == "smtp":
            _text(element, f"{ns}UsePOPAuth", "off")
            _text(element, f"{ns}SMTPLast", "off")
    return _xml(root)


# --- Apple: a configuration profile with one com.apple.mail.managed payload -------------------------------------
def apple_profile_plist(
    *,
    address: str,
    account_name: str,
    secret: str,
    servers: dict[str, MailServer],
    organization: str,
    display_name: str,
    description: str,
    identifier: str,
) -> bytes:
    imap, smtp = servers["imap"], servers["smtp"]
    mail_payload = {
        "PayloadType": "com.apple.mail.managed",
        "PayloadVersion": 1,
        "PayloadIdentifier": f"{identifier}.mail",
        "PayloadUUID": str(uuid.uuid4()).upper(),
        "PayloadDisplayName": display_name,
        "PayloadDescription": description,
        "EmailAccountDescription": organization,
        "EmailAccountName": account_name,
        "EmailAccountType": "EmailTypeIMAP",
        "EmailAddress": address,
        "IncomingMailServerAuthentication": "EmailAuthPassword",
        "IncomingMailServerHostName": imap.host,
        "IncomingMailServerPortNumber": imap.port,
        # Apple has one switch: on means TLS, implicit on a TLS port or STARTTLS on a plain one.
        "IncomingMailServerUseSSL": imap.uses_tls,
        "IncomingMailServerUsername": address,
        "IncomingPassword": secret,
        "OutgoingMailServerAuthentication": "EmailAuthPassword",
        "OutgoingMailServerHostName": smtp.host,
        "OutgoingMailServerPortNumber": smtp.port,
        "OutgoingMailServerUseSSL": smtp.uses_tls,
        "OutgoingMailServerUsername": address,
        "OutgoingPassword": secret,
        "OutgoingPasswordSameAsIncomingPassword": True,
    }
    profile = {
        "PayloadType": "Configuration",
        "PayloadVersion": 1,
        "PayloadIdentifier": identifier,
        "PayloadUUID": str(uuid.uuid4()).upper(),
        "PayloadDisplayName": display_name,
        "PayloadDescription": description,
        "PayloadOrganization": organization,
        "PayloadRemovalDisallowed": False,
        "PayloadContent": [mail_payload],
    }
    return plistlib.dumps(profile, fmt=plistlib.FMT_XML, sort_keys=True)
