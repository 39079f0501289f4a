"""Who is on the other end of a request: IP address and user agent, as recorded in the audit log."""

from dataclasses import dataclass

from django.conf import settings

USER_AGENT_MAX = 512


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or the address the last trusted proxy saw (``PORTAL_TRUSTED_PROXY_COUNT``)."""
    proxies = settings.PORTAL_TRUSTED_PROXY_COUNT
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or None


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
