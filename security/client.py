"""Who is on the other end of a request: IP address and user agent, as recorded in the audit log."""

import ipaddress
from dataclasses import dataclass

from portal.conf import portal_settings

USER_AGENT_MAX = 512


def ip_address_clean(value) -> str | None:
    """``value`` as a canonical IP address, or None if it is not one: only such values are stored (``ip_address``
    columns) or used in cache keys. Zone ids (``fe80::1%eth0``) and ports are not addresses."""
    if not isinstance(value, str) or "%" in value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or the address the last trusted proxy saw (``PORTAL_TRUSTED_PROXY_COUNT``). A forwarded value
    that is not an IP address is ignored, and REMOTE_ADDR is used."""
    proxies = portal_settings.trusted_proxy_count
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            forwarded = ip_address_clean(hops[-proxies])
            if forwarded is not None:
                return forwarded
    return ip_address_clean(request.META.get("REMOTE_ADDR"))


@dataclass(frozen=True)
class Client:
    ip: str | None = None
    user_agent: str = ""

    @classmethod
    def from_request(cls, request) -> "Client":
        if request is None:
            return cls()
        return cls(ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX])


SYSTEM = Client()


def describe_user_agent(user_agent: str) -> str:
    """A name people recognise: "Chrome on Windows", "Safari on iPhone". Uses ua-parser's maintained regexes."""
    from django.utils.translation import gettext as _
    from ua_parser import parse

    if not user_agent:
        return _("Unknown device")
    result = parse(user_agent[:USER_AGENT_MAX])
    browser = result.user_agent.family if result.user_agent else ""
    browser = browser.removeprefix("Mobile ").strip()
    system = result.os.family if result.os else ""
    if system == "iOS" and result.device and result.device.family in ("iPhone", "iPad"):
        system = result.device.family
    if browser and system:
        return _("%(browser)s on %(os)s") % {"browser": browser, "os": system}
    return browser or system or _("Unknown device")


def describe_user_agent_for(user, user_agent: str) -> str:
    """A device name for an event's details, in the user's language (as their e-mail will be), not the viewer's."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(user.language or settings.LANGUAGE_CODE):
        return describe_user_agent(user_agent)
