"""The mail servers and domains every mail-app answer is built from.

Invariants:
- Host names and ports come only from ``app_passwords.selectors.mail_client_settings()`` (the ``PORTAL_MAIL_*``
  settings), read at call time. The created-page table, the guides, Thunderbird autoconfig, Outlook autodiscover
  and the Apple profile therefore cannot disagree.
- Each server's free-text security setting ("SSL/TLS", "STARTTLS", "none") maps to one of three connection kinds;
  anything else is refused by a system check (``mail_clients.E001``) rather than guessed.
- A mail domain matches exactly (lowercase, no trailing dot): ``evil.example.com`` is not ``example.com``.
"""

from dataclasses import dataclass

from portal.conf import portal_settings
from security.app_passwords.selectors import mail_client_settings

SSL, STARTTLS, PLAIN = "ssl", "starttls", "plain"
# Accepted spellings of PORTAL_MAIL_*_SECURITY, compared case-insensitively with spaces and dashes removed.
_SECURITY_SPELLINGS = {
    "ssl/tls": SSL,
    "ssl": SSL,
    "tls": SSL,
    "implicittls": SSL,
    "starttls": STARTTLS,
    "none": PLAIN,
    "plain": PLAIN,
    "": PLAIN,
}
DOMAIN_MAX = 253
ADDRESS_MAX = 320


class UnknownSecurity(ValueError):
    pass


def connection_kind(security: str) -> str:
    key = (security or "").strip().lower().replace(" ", "").replace("-", "")
    try:
        return _SECURITY_SPELLINGS[key]
    except KeyError:
        raise UnknownSecurity(security) from None


@dataclass(frozen=True)
class MailServer:
    protocol: str  # "imap", "pop3", "smtp"
    host: str
    port: int
    security: str  # as configured, e.g. "SSL/TLS"
    kind: str  # SSL, STARTTLS or PLAIN

    @property
    def uses_tls(self) -> bool:
        return self.kind != PLAIN

    @property
    def security_label(self) -> str:
        """What Outlook, Thunderbird, Gmail and Foxmail call it in their menus."""
        return {SSL: "SSL/TLS", STARTTLS: "STARTTLS"}.get(self.kind, "")


def mail_servers() -> dict[str, MailServer]:
    """``{"imap": ..., "pop3": ..., "smtp": ...}``."""
    servers = {}
    for row in mail_client_settings():
        protocol = row["protocol"].lower()
        servers[protocol] = MailServer(
            protocol=protocol,
            host=row["host"],
            port=int(row["port"]),
            security=row["security"],
            kind=connection_kind(row["security"]),
        )
    return servers


def domain_normalize(domain: str) -> str:
    return (domain or "").strip().lower().rstrip(".")


def mail_domains() -> list[str]:
    """``PORTAL_MAIL_DOMAINS``, normalized, first one first, without duplicates."""
    seen = []
    for domain in portal_settings.mail_domains:
        domain = domain_normalize(domain)
        if domain and domain not in seen:
            seen.append(domain)
    return seen


def mail_domain_for_address(address: str) -> str | None:
    """The deployment's mail domain of ``address``, or None (another domain, or not an address)."""
    address = (address or "").strip()
    if not address or len(address) > ADDRESS_MAX or any(ch.isspace() for ch in address):
        return None
    local, at, domain = address.rpartition("@")
    if not at or not local:
        return None
    domain = domain_normalize(domain)
    return domain if domain in mail_domains() else None


def mail_domain_for_host(host: str, *, prefix: str) -> str | None:
    """``autoconfig.example.com`` (prefix ``autoconfig.``) or ``example.com`` itself, without a port."""
    host = domain_normalize(host.rsplit(":", 1)[0] if host.count(":") == 1 else host)
    domains = mail_domains()
    if host in domains:
        return host
    if host.startswith(prefix) and host.removeprefix(prefix) in domains:
        return host.removeprefix(prefix)
    return None


# RFC 6186 service names for each protocol, as (implicit TLS, STARTTLS or plain); submissions is RFC 8314.
_SRV_NAMES = {"imap": ("_imaps", "_imap"), "pop3": ("_pop3s", "_pop3"), "smtp": ("_submissions", "_submission")}


def dns_records(*, domain: str, portal_host: str) -> list[str]:
    """Zone-file lines a deployer adds for ``domain``: the discovery host names, and the SRV records of RFC 6186
    (with RFC 8314's ``_submissions``), from the same settings as every answer. A service the deployment does
    not offer gets the "not available" target ``.`` so clients do not guess it."""
    zone_domain, portal = f"{domain_normalize(domain)}.", f"{domain_normalize(portal_host)}."
    lines = [
        f"autoconfig.{zone_domain} 3600 IN CNAME {portal}",
        f"autodiscover.{zone_domain} 3600 IN CNAME {portal}",
        f"_autodiscover._tcp.{zone_domain} 3600 IN SRV 0 0 443 {portal}",
    ]
    for protocol, server in mail_servers().items():
        tls_name, plain_name = _SRV_NAMES[protocol]
        offered, other = (tls_name, plain_name) if server.kind == SSL else (plain_name, tls_name)
        host = f"{domain_normalize(server.host)}."
        lines.append(f"{offered}._tcp.{zone_domain} 3600 IN SRV 0 1 {server.port} {host}")
        lines.append(f"{other}._tcp.{zone_domain} 3600 IN SRV 0 0 0 .")
    return lines
