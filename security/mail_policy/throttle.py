"""Failure counters for mail sign-ins, in the shared cache (Redis when ``REDIS_URL`` is set).

Invariants:
- Keys name an account by the SHA-256 of its lowercased address, whether or not it exists, so answers never tell
  which addresses are real.
- Sliding windows (``PORTAL_MAIL_POLICY_WINDOW``): the current and previous fixed bucket, the previous one weighted
  by how much of it still overlaps the window. One per account (all IPs) and one per IP (all accounts).
- A failure whose password hash (``pwhash``, salted by ``auth_policy_hash_nonce``) was already counted for this
  account within the window is not counted again: a forgotten phone repeating an old password is one failure, an
  attacker's guesses are all different.
- ``consecutive`` counts failures since the last success (deduplicated per day the same way); at
  ``PORTAL_MAIL_POLICY_LOCK_FAILURES`` (at most 100) the account is locked durably (``MailAccountUse.locked_at``)
  until the helpdesk clears it. A success resets the account's counters, not the IP's.
"""

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache

from portal.conf import portal_settings

_DAY = 24 * 3600
PREFIX = "mailpolicy"


def account_key(login: str) -> str:
    return hashlib.sha256(login.strip().lower().encode()).hexdigest()[:32]


def _window() -> int:
    return int(portal_settings.mail_policy_window.total_seconds())


def _bucket_keys(name: str, now: float) -> tuple[str, str, float]:
    window = _window()
    bucket = int(now // window)
    overlap = 1.0 - (now % window) / window
    return f"{PREFIX}:w:{name}:{bucket}", f"{PREFIX}:w:{name}:{bucket - 1}", overlap


def _window_add(name: str, now: float) -> None:
    current, _previous, _overlap = _bucket_keys(name, now)
    if cache.add(current, 1, 2 * _window()):
        return
    try:
        cache.incr(current)
    except ValueError:  # expired between add and incr
        cache.add(current, 1, 2 * _window())


@dataclass(frozen=True)
class Counts:
    account: float
    ip: float
    consecutive: int
    lock_flag: bool | None  # the cached copy of the durable lock; None: not cached


def counts(*, login: str, ip: str) -> Counts:
    """Everything ``allow`` needs, in one cache round trip."""
    now = time.time()
    account = account_key(login)
    a_current, a_previous, overlap = _bucket_keys(f"a:{account}", now)
    i_current, i_previous, _overlap = _bucket_keys(f"i:{ip}", now)
    consecutive_key, lock_key = f"{PREFIX}:c:{account}", f"{PREFIX}:lock:{account}"
    values = cache.get_many([a_current, a_previous, i_current, i_previous, consecutive_key, lock_key])
    return Counts(
        account=values.get(a_current, 0) + values.get(a_previous, 0) * overlap,
        ip=values.get(i_current, 0) + values.get(i_previous, 0) * overlap,
        consecutive=values.get(consecutive_key, 0),
        lock_flag=values.get(lock_key),
    )


def failure_record(*, login: str, ip: str, pwhash: str) -> tuple[bool, int]:
    """Counts one failure. Returns (counted in the window, consecutive failures now)."""
    now = time.time()
    account = account_key(login)
    consecutive_key = f"{PREFIX}:c:{account}"
    if pwhash:
        counted = cache.add(f"{PREFIX}:seen:{account}:{pwhash}", 1, _window())
        new_for_lock = cache.add(f"{PREFIX}:seenday:{account}:{pwhash}", 1, _DAY)
    else:
        counted = new_for_lock = True
    _window_add(f"i:{ip}", now)
    if counted:
        _window_add(f"a:{account}", now)
    if new_for_lock:
        if not cache.add(consecutive_key, 1, None):
            try:
                return counted, cache.incr(consecutive_key)
            except ValueError:
                cache.add(consecutive_key, 1, None)
        else:
            return counted, 1
    return counted, cache.get(consecutive_key, 0)


def account_reset(*, login: str, lock_too: bool = False) -> None:
    """A success, or the helpdesk clearing the lock (``lock_too``: forget the cached lock flag as well): the
    account's counters start again (the IP's do not)."""
    now = time.time()
    account = account_key(login)
    current, previous, _overlap = _bucket_keys(f"a:{account}", now)
    keys = [current, previous, f"{PREFIX}:c:{account}"]
    cache.delete_many([*keys, f"{PREFIX}:lock:{account}", f"{PREFIX}:once:lock:{account}"] if lock_too else keys)


def lock_flag_set(*, login: str, locked: bool) -> None:
    cache.set(f"{PREFIX}:lock:{account_key(login)}", locked, 60)


def once_per(name: str, seconds: int) -> bool:
    """True the first time ``name`` is seen in ``seconds`` (for "write at most once a minute")."""
    return cache.add(f"{PREFIX}:once:{name}", 1, seconds)
