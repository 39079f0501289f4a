"""System check: the passkeys' relying-party ID must be a host the portal answers for (``ALLOWED_HOSTS``), and each
origin's host the RP ID or below it; a browser would refuse every key otherwise, or the keys would be bound to a
domain the portal does not serve."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

from portal.conf import portal_settings


def _host_allowed(host: str, allowed: list[str]) -> bool:
    for pattern in allowed:
        if pattern == "*" or pattern == host:
            return True
        if pattern.startswith(".") and (host == pattern[1:] or host.endswith(pattern)):
            return True
    return False


def _covers(rp_id: str, host: str) -> bool:
    return host == rp_id or host.endswith("." + rp_id)


@checks.register(checks.Tags.security)
def passkey_relying_party_check(app_configs=None, **kwargs):
    messages = []
    rp_id = portal_settings.passkey_rp_id
    if rp_id:
        allowed = list(settings.ALLOWED_HOSTS)
        if not any(_covers(rp_id, host.lstrip(".")) for host in allowed if host != "*") and not _host_allowed(
            rp_id, allowed
        ):
            messages.append(
                checks.Error(
                    f"PORTAL_PASSKEY_RP_ID {rp_id!r} does not match ALLOWED_HOSTS.",
                    hint="Set it to the portal's host name (or a parent domain of it) listed in ALLOWED_HOSTS.",
                    id="passkeys.E001",
                )
            )
    for origin in portal_settings.passkey_origins:
        parts = urlsplit(origin)
        host = parts.hostname or ""
        if parts.scheme not in ("https", "http") or (rp_id and not _covers(rp_id, host)):
            messages.append(
                checks.Error(
                    f"PORTAL_PASSKEY_ORIGINS has {origin!r}, which is not an origin on the RP ID {rp_id!r}.",
                    hint="Each origin is scheme://host[:port], the host being the RP ID or below it.",
                    id="passkeys.E002",
                )
            )
    return messages
