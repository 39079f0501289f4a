"""SMS send limits: per number, per account, per IP and globally (docs/security.md item 17; the defaults are in
docs/sms.md, "Send limits").

Invariants:
- Counters live in the default cache, which production shares between processes (Redis or the database cache).
- A send first *reserves* one unit in every window and gives them all back if any is over its limit or the
  gateway fails, so a refused or failed send never uses up quota. ``cache.incr`` is atomic on Redis, so two
  racing requests cannot both take the last unit there.
- Windows are fixed (clock hour, UTC day); hitting one reports the end of that window as the time to retry.
- Keys hold a hash of the number and IP, never the number itself.
- The resend cooldown holds per number as well as per account (the challenge row): one code per
  ``PORTAL_SMS_RESEND_COOLDOWN`` reaches a number, whichever account or purpose asks. The claim is an atomic
  ``cache.add``, given back like the quota when the send does not happen.
"""

import contextlib
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.cache import cache
from django.utils import timezone

from portal.conf import portal_settings

from .errors import SmsSendRefused

HOUR = 3600
DAY = 24 * HOUR


@dataclass(frozen=True)
class Window:
    scope: str  # "number", "account", "ip", "global"
    ident: str
    limit: int
    seconds: int


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def windows_for(*, user, number: str, ip: str | None) -> list[Window]:
    return [
        Window("number", _digest(number), portal_settings.sms_limit_per_number_per_hour, HOUR),
        Window("account", str(user.pk), portal_settings.sms_limit_per_account_per_day, DAY),
        Window("ip", _digest(ip or "unknown"), portal_settings.sms_limit_per_ip_per_hour, HOUR),
        Window("global", "all", portal_settings.sms_limit_global_per_day, DAY),
    ]


def _key_and_end(window: Window, now: datetime) -> tuple[str, datetime]:
    index = int(now.timestamp()) // window.seconds
    end = datetime.fromtimestamp((index + 1) * window.seconds, tz=UTC)
    return f"sms-quota:{window.scope}:{window.ident}:{index}", end


def sms_quota_reserve(*, user, number: str, ip: str | None) -> list[str]:
    """Take one unit from every window, or none of them and raise ``SmsSendRefused("limit_<scope>")``."""
    now = timezone.now()
    taken: list[str] = []
    for window in windows_for(user=user, number=number, ip=ip):
        key, end = _key_and_end(window, now)
        cache.add(key, 0, timeout=window.seconds + 60)
        try:
            count = cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.add(key, 1, timeout=window.seconds + 60)
            count = 1
        taken.append(key)
        if count > window.limit:
            sms_quota_refund(taken)
            raise SmsSendRefused(f"limit_{window.scope}", retry_at=end)
    return taken


def sms_quota_refund(keys: list[str]) -> None:
    for key in keys:
        with contextlib.suppress(ValueError):  # expired meanwhile: nothing to give back
            cache.decr(key)


def _number_cooldown_key(number: str) -> str:
    return f"sms-cooldown:number:{_digest(number)}"


def sms_number_cooldown_claim(*, number: str, now: datetime) -> str:
    """Claim the number's cooldown, or raise ``SmsSendRefused("cooldown_number")`` with when it ends."""
    seconds = max(int(portal_settings.sms_resend_cooldown.total_seconds()), 1)
    key = _number_cooldown_key(number)
    until = now.timestamp() + seconds
    if not cache.add(key, until, timeout=seconds):
        held = cache.get(key)
        raise SmsSendRefused("cooldown_number", retry_at=datetime.fromtimestamp(held or until, tz=UTC))
    return key


def sms_number_cooldown_release(key: str) -> None:
    cache.delete(key)
