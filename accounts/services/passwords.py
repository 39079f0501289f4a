"""Checking and changing the account password (docs/security.md items 1-7, 25, 28).

Invariants:
- ``account_password_check`` is the only code that verifies an account password: sign-in, the password change,
  re-authentication (``/confirm/``) and turning two-step verification off all come here (a test greps for any
  other caller). Every check first takes django-axes' hard lock into account, then reserves an attempt in the
  per-account and per-IP throttle (accounts/services/throttle.py) before any hash is computed; every failure is
  counted by axes and recorded as a security event.
- Whenever the stored hash stops verifying the password it verified before, by whatever path (this module's
  ``password_set``, ``manage.py changepassword``, ``set_password`` + ``save``), ``User.save`` calls
  ``password_save_guard``, and after the write ``user_credentials_reset`` rotates the security stamp, which ends
  every other session, and sends ``credentials_reset``, so app passwords and trusted devices go, in the same
  transaction. Django re-hashing the same password at
  sign-in (a hasher upgrade) is not a change.
"""

import enum
from dataclasses import dataclass

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.hashers import check_password, is_password_usable, make_password
from django.contrib.auth.signals import user_login_failed
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import ngettext

from accounts import events
from accounts.models import User, normalize_address
from accounts.services import throttle
from accounts.services.users import user_credentials_reset, user_lock
from security.audit import security_event_record
from security.client import Client, client_ip
from security.sessions.selectors import password_change_ends_sessions

BACKEND = "django.contrib.auth.backends.ModelBackend"

# What a password change also ends, said on the form before the user submits: the sessions (below accounts), then
# each feature that acts on ``credentials_reset``, registered from its AppConfig.ready as a function
# (user=..., current_key=...) -> sentence or None, so accounts, below the features, names none of them.
_CHANGE_CONSEQUENCES: list = []


def password_change_consequence_register(build) -> None:
    _CHANGE_CONSEQUENCES.append(build)


def password_change_consequences_for(*, user: User, current_key: str | None) -> list[str]:
    builds = [password_change_ends_sessions, *_CHANGE_CONSEQUENCES]
    sentences = (build(user=user, current_key=current_key) for build in builds)
    return [sentence for sentence in sentences if sentence]


class Purpose(enum.StrEnum):
    SIGN_IN = "sign_in"
    PASSWORD_CHANGE = "password_change"  # noqa: S105 - a purpose name
    REAUTH = "reauth"
    TWO_STEP_DISABLE = "two_step_disable"


class Outcome(enum.Enum):
    OK = "ok"
    WRONG = "wrong"
    WAIT = "wait"
    LOCKED = "locked"


@dataclass(frozen=True)
class PasswordCheck:
    outcome: Outcome
    user: User | None = None
    wait_seconds: int = 0

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK

    @property
    def wait_message(self) -> str:
        """The sign-in page's sentence, on every page that asks for the password."""
        return ngettext(
            "Too many failed attempts. Wait %(seconds)d second and try again.",
            "Too many failed attempts. Wait %(seconds)d seconds and try again.",
            self.wait_seconds,
        ) % {"seconds": self.wait_seconds}


def _rehash_keeping_password(user: User):
    """Django's hasher upgrade: the same password, a new hash. ``_password`` stays set so ``User.save`` can see that
    the password did not change."""

    def setter(raw_password):
        user.set_password(raw_password)
        user.save(update_fields=["password"])

    return setter


def account_password_check(*, request, password: str, purpose: Purpose, address: str = "", user: User | None = None):
    """Is ``password`` the account's password? For sign-in pass the typed ``address``; for a signed-in user pass
    ``user``. Returns a ``PasswordCheck``; on ``LOCKED`` django-axes' middleware shows the lockout page."""
    address = normalize_address(user.email if user is not None else address)
    credentials = {"username": address}
    client = Client.from_request(request)
    if not AxesProxyHandler.is_allowed(request, credentials):
        request.axes_locked_out, request.axes_credentials = True, credentials
        return PasswordCheck(Outcome.LOCKED)
    reservation = throttle.sign_in_attempt_reserve(address=address, ip=client_ip(request))
    if not reservation.allowed:
        return PasswordCheck(Outcome.WAIT, wait_seconds=reservation.wait_seconds)

    if user is None:
        user = User.objects.filter(email=address).first()
    if user is None:
        make_password(password)  # the same time as a real check: the answer must not tell which accounts exist
        right = False
    else:
        right = check_password(password, user.password, _rehash_keeping_password(user)) and user.is_active
    if right:
        reservation.succeeded()
        if purpose is not Purpose.SIGN_IN:  # sign-in resets axes when it completes (user_logged_in)
            throttle.sign_in_lock_clear(address=address)
        user.backend = BACKEND
        return PasswordCheck(Outcome.OK, user=user)

    reservation.failed()
    _axes_count_failure(request, credentials)
    if user is not None:
        if purpose is Purpose.SIGN_IN:
            security_event_record(user=user, actor=None, actor_kind="user", kind=events.SIGN_IN_FAILED, client=client)
        else:
            security_event_record(
                user=user, actor=user, kind=events.PASSWORD_CONFIRM_FAILED, client=client, details={"purpose": purpose}
            )
    if getattr(request, "axes_locked_out", False):
        return PasswordCheck(Outcome.LOCKED)
    return PasswordCheck(Outcome.WRONG)


def _axes_count_failure(request, credentials: dict) -> None:
    """django-axes counts the failure (``user_login_failed``). Its ``get_or_create`` under a row lock can deadlock on
    MariaDB when the first failures of an address arrive at once; the victim was rolled back whole, so try again."""
    for attempt in range(3):
        try:
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            return
        except OperationalError:
            if attempt == 2 or connection.in_atomic_block:
                raise


# --- Changing the password ----------------------------------------------------------------------------------
def password_save_guard(user: User, update_fields) -> bool:
    """Called by ``User.save`` inside its transaction, before the row is written: does this save change the
    password? If so, the caller calls ``password_changed_announce`` after the write."""
    if user.pk is None or (update_fields is not None and "password" not in update_fields):
        return False
    if user.password == getattr(user, "_password_at_load", None):
        return False
    try:
        stored = user_lock(user.pk).password
    except User.DoesNotExist:
        stored = None
    if stored is None or stored == user.password or not stored or not is_password_usable(stored):
        return False  # new row, same hash, or there was no password to stop verifying
    raw = user._password
    return raw is None or not check_password(raw, stored)  # a rehash of the same password is no change


def password_changed_announce(user: User) -> None:
    """After the write, in the same transaction: revoke what the old password opened, record, notify."""
    actor, client = getattr(user, "_password_change_by", (None, None))
    user._password_change_by = (None, None)
    client = client or Client()
    user.password_changed_at = timezone.now()
    user_credentials_reset(user=user, actor=actor, client=client, update_fields=["password_changed_at"])
    security_event_record(user=user, actor=actor, kind=events.PASSWORD_CHANGED, client=client, notify=True)


@transaction.atomic
def password_set(*, user: User, new_password: str, actor: User | None, client: Client) -> User:
    """Sets a new password; everything bound to the old one is revoked by ``User.save``."""
    user = user_lock(user.pk)
    user._password_change_by = (actor, client)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    if user._password_change_by != (None, None):
        # The new password is the old one: nothing stops working, but the user asked for a change, so the
        # other sessions and credentials still end.
        password_changed_announce(user)
    return user


def password_change(request, *, current_password: str, new_password: str) -> PasswordCheck:
    """The signed-in user changes their own password; this session survives, all others end. Nothing changes
    unless the current password passes the same throttled check as sign-in."""
    check = account_password_check(
        request=request, password=current_password, purpose=Purpose.PASSWORD_CHANGE, user=request.user
    )
    if check.ok:
        user = password_set(
            user=request.user, new_password=new_password, actor=request.user, client=Client.from_request(request)
        )
        update_session_auth_hash(request, user)
    return check
