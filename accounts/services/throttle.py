"""Growing delays for failed password checks, per account (across all IPs) and per IP (docs/security.md item 6).

django-axes keeps the durable part: it counts failures per account in the database and hard-locks the account at
``AXES_FAILURE_LIMIT`` (at most 100) until helpdesk clears it (``sign_in_lock_clear``). Before that, this module
makes each further attempt wait longer: after the free failures, 1 s, 2 s, 4 s … up to ``PORTAL_LOGIN_MAX_DELAY``.

Invariants:
- Keys are built from ``normalize_address`` of the address the password check uses (never from the raw input), so
  padding or case gives no new key; they exist whether or not the account does, so the answer never tells an
  attacker which addresses are real.
- An attempt is *reserved* before the password is hashed, in one atomic step per counter: ``incr`` hands every
  attempt its own number, and past the free failures an attempt runs only if it wins the ``add`` of the gate that
  holds back the next one. So N parallel guesses get no more checks than N sequential ones. A refused attempt gives
  its number back; a reserved attempt counts as a failure unless the password was right.
- The counters live in the shared cache when its ``incr`` and ``add`` are atomic (Redis, Memcached, local memory).
  Django's database cache makes ``incr`` a read and a write and culls entries past ``MAX_ENTRIES``, so with it the
  counters use their own table (``ThrottleCounter``) with row locks instead.
"""

import contextlib
import hashlib
import random
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import BaseCache, cache, caches
from django.db import transaction
from django.db.models import F

from accounts.models import ThrottleCounter, normalize_address

_WINDOW_SECONDS = 24 * 3600


def username_from_request(request, credentials):
    """AXES_USERNAME_CALLABLE: count ``Alice@Example.com`` and ``alice@example.com`` as one account."""
    raw = (credentials or {}).get("username") or request.POST.get("username", "")
    return normalize_address(raw)[:254]


# --- The counter store: atomic incr / add on Redis (or local memory), row locks on the database ----------------
def _cache_is_atomic() -> bool:
    return type(caches["default"]).incr is not BaseCache.incr


class _CacheStore:
    @staticmethod
    def incr(key: str, ttl: int) -> int:
        cache.add(key, 0, ttl)
        try:
            value = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 0, ttl)
            value = cache.incr(key)
        cache.touch(key, ttl)
        return value

    @staticmethod
    def decr(key: str) -> None:
        with contextlib.suppress(ValueError):  # expired meanwhile: nothing to give back
            cache.decr(key)

    @staticmethod
    def add(key: str, value: float, ttl: float) -> bool:
        return cache.add(key, value, max(1, int(ttl + 0.999)))

    @staticmethod
    def get(key: str):
        return cache.get(key)

    @staticmethod
    def delete(*keys: str) -> None:
        cache.delete_many(keys)


class _DatabaseStore:
    @staticmethod
    def _ensure(key: str, now: float) -> None:
        # A placeholder row (already expired), inserted on its own, outside the locking transaction: on MariaDB an
        # INSERT IGNORE of a duplicate takes a shared lock, and two such in one transaction each deadlock the other's
        # FOR UPDATE. Locking a row that exists takes only that row's lock.
        ThrottleCounter.objects.bulk_create([ThrottleCounter(key=key, value=0, expires_at=now)], ignore_conflicts=True)

    @classmethod
    def _locked(cls, key: str, now: float) -> ThrottleCounter:
        with contextlib.suppress(ThrottleCounter.DoesNotExist):
            return ThrottleCounter.objects.select_for_update().get(key=key)
        # Reset or tidied away between the insert and the lock (rare): insert again inside the transaction.
        cls._ensure(key, now)
        return ThrottleCounter.objects.select_for_update().get(key=key)

    @classmethod
    def incr(cls, key: str, ttl: int) -> int:
        now = time.time()
        if random.random() < 0.01:  # noqa: S311 - housekeeping, not security
            ThrottleCounter.objects.filter(expires_at__lt=now - 3600).delete()
        cls._ensure(key, now)
        with transaction.atomic():
            row = cls._locked(key, now)
            row.value = (row.value if row.expires_at > now else 0) + 1
            row.expires_at = now + ttl
            row.save(update_fields=["value", "expires_at"])
        return int(row.value)

    @staticmethod
    def decr(key: str) -> None:
        ThrottleCounter.objects.filter(key=key, value__gt=0, expires_at__gt=time.time()).update(value=F("value") - 1)

    @classmethod
    def add(cls, key: str, value: float, ttl: float) -> bool:
        now = time.time()
        cls._ensure(key, now)
        with transaction.atomic():
            row = cls._locked(key, now)
            if row.expires_at > now:
                return False
            row.value, row.expires_at = value, now + ttl
            row.save(update_fields=["value", "expires_at"])
        return True

    @staticmethod
    def get(key: str):
        rows = ThrottleCounter.objects.filter(key=key, expires_at__gt=time.time())
        return rows.values_list("value", flat=True).first()

    @staticmethod
    def delete(*keys: str) -> None:
        ThrottleCounter.objects.filter(key__in=keys).delete()


def _store():
    return _CacheStore if _cache_is_atomic() else _DatabaseStore


# --- The rule -----------------------------------------------------------------------------------------------
def _delay_after(failures: int, free: int) -> float:
    """Seconds the attempt after ``failures`` failures must wait, counted from the last attempt."""
    if failures < free:
        return 0.0
    first = settings.PORTAL_LOGIN_FIRST_DELAY_SECONDS
    return min(first * 2.0 ** (failures - free), settings.PORTAL_LOGIN_MAX_DELAY.total_seconds())


def _scopes(address: str, ip: str | None) -> list[tuple[str, int]]:
    digest = hashlib.sha256(normalize_address(address).encode()).hexdigest()
    return [
        (f"signin-fail:ip:{ip or '-'}", settings.PORTAL_LOGIN_FREE_FAILURES_PER_IP),
        (f"signin-fail:account:{digest}", settings.PORTAL_LOGIN_FREE_FAILURES_PER_ACCOUNT),
    ]


@dataclass
class Reservation:
    """One attempt that may now check a password. ``wait_seconds`` > 0: refused, nothing may be checked."""

    account_key: str = ""
    wait_seconds: int = 0
    _held: list[tuple[str, bool]] = field(default_factory=list)  # (counter key, claimed its gate)

    @property
    def allowed(self) -> bool:
        return self.wait_seconds == 0

    def _release(self) -> None:
        store = _store()
        for key, claimed_gate in self._held:
            store.decr(key)
            if claimed_gate:
                store.delete(f"{key}:gate")
        self._held = []

    def succeeded(self) -> None:
        """The password was right: the account's count starts again, and the IP's gets this attempt back."""
        _store().delete(self.account_key, f"{self.account_key}:gate")
        self._held = [(key, claimed) for key, claimed in self._held if key != self.account_key]
        self._release()

    def failed(self) -> None:
        """The password was wrong: the reservation already counted it."""
        self._held = []


def _reserve_one(store, key: str, free: int, now: float) -> tuple[bool, bool, float]:
    """(allowed, claimed the gate, seconds to wait if refused) for one counter."""
    number = store.incr(key, _WINDOW_SECONDS)
    delay = _delay_after(number, free)
    gate = f"{key}:gate"
    if delay > 0:
        if store.add(gate, now + delay, delay):
            return True, True, 0.0
    else:
        until = store.get(gate)
        if until is None or until <= now:
            return True, False, 0.0
    store.decr(key)
    until = store.get(gate)
    return False, False, max(1.0, (until or now) - now)


def sign_in_attempt_reserve(*, address: str, ip: str | None) -> Reservation:
    """Reserve one password check for ``address`` from ``ip``, atomically, before anything is hashed."""
    store, now = _store(), time.time()
    scopes = _scopes(address, ip)
    reservation = Reservation(account_key=scopes[-1][0])
    for key, free in scopes:
        allowed, claimed_gate, wait = _reserve_one(store, key, free, now)
        if not allowed:
            reservation._release()
            reservation.wait_seconds = int(wait + 0.999)
            return reservation
        reservation._held.append((key, claimed_gate))
    return reservation


def sign_in_lock_clear(*, address: str) -> None:
    """The one way to clear an account's sign-in lock: django-axes' hard lock (its failure records) and this
    module's count and gate for the account. The IP's count keeps decaying. Used by the helpdesk's "clear the
    sign-in lock", by a completed recovery, and by a right password given while signed in (a test fails if
    anything else resets axes)."""
    from axes.handlers.proxy import AxesProxyHandler

    address = normalize_address(address)
    AxesProxyHandler.reset_attempts(username=address)
    key = _scopes(address, None)[-1][0]
    _store().delete(key, f"{key}:gate")
