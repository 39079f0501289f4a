"""Growing delays for failed sign-ins, per account (across all IPs) and per IP (SECURITY.md 6).

django-axes keeps the durable part: it counts failures per account in the database and hard-locks the account at
``AXES_FAILURE_LIMIT`` (at most 100) until helpdesk clears it. Before that, this module makes each further attempt
wait longer: after the free failures, 1 s, 2 s, 4 s … up to ``PORTAL_LOGIN_MAX_DELAY``. The counters live in the
shared cache and are keyed by the normalized address whether or not such an account exists, so the answer never
tells an attacker which addresses are real.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache

from accounts.models import normalize_address

_WINDOW_SECONDS = 24 * 3600


def username_from_request(request, credentials):
    """AXES_USERNAME_CALLABLE: count ``Alice@Example.com`` and ``alice@example.com`` as one account."""
    raw = (credentials or {}).get("username") or request.POST.get("username", "")
    return normalize_address(raw)[:254]


def _keys(address: str, ip: str | None) -> tuple[str, str]:
    digest = hashlib.sha256(normalize_address(address).encode()).hexdigest()
    return f"signin-fail:account:{digest}", f"signin-fail:ip:{ip or '-'}"


def _delay_after(failures: int, free: int) -> float:
    if failures < free:
        return 0.0
    return min(2.0 ** (failures - free), settings.PORTAL_LOGIN_MAX_DELAY.total_seconds())


def sign_in_wait_seconds(*, address: str, ip: str | None) -> int:
    """Seconds the caller must still wait before another attempt is even checked (0: go ahead)."""
    account_key, ip_key = _keys(address, ip)
    now = time.time()
    wait = 0.0
    for key, free in (
        (account_key, settings.PORTAL_LOGIN_FREE_FAILURES_PER_ACCOUNT),
        (ip_key, settings.PORTAL_LOGIN_FREE_FAILURES_PER_IP),
    ):
        failures, last = cache.get(key, (0, 0.0))
        wait = max(wait, last + _delay_after(failures, free) - now)
    return max(0, int(wait + 0.999))


def sign_in_failed(*, address: str, ip: str | None) -> None:
    now = time.time()
    for key in _keys(address, ip):
        failures, _last = cache.get(key, (0, 0.0))
        cache.set(key, (failures + 1, now), _WINDOW_SECONDS)


def sign_in_succeeded(*, address: str) -> None:
    """A success resets the account's count (the IP's count keeps decaying on its own)."""
    account_key, _ip_key = _keys(address, None)
    cache.delete(account_key)
