"""Account recovery: "Forgot password?" (docs/security.md items 5, 14, 17, 25, 28, and its "Account recovery").

Invariants:
- ``recovery_start`` answers the same way whatever the address: it does the same work (a code is made and
  hashed either way), counts the same limits (keyed by the typed address, not by an account), and never returns
  before ``PORTAL_ACCOUNT_RECOVERY_RESPONSE_FLOOR``, so neither the body, the status nor the time says whether
  the account exists or which channels it has.
- A code goes only to what the user proved earlier: the *confirmed* alert address (never the mailbox, which the
  user cannot open, and never an unconfirmed address) or the bound phone (through ``sms_code_send`` with its own
  limits). Codes are 6 digits from ``secrets``, valid ``PORTAL_ACCOUNT_RECOVERY_CODE_TTL`` (at most 10 minutes),
  stored as an HMAC, accepted once, only in the browser session that asked, and ``MAX_FAILURES`` wrong codes end
  the recovery.
- With two-step verification on, the proven channel is not enough: an authenticator or recovery code is also
  needed. SMS is never that second factor here. Without either, the user is sent to the helpdesk.
- ``recovery_complete`` sets the password in one transaction with the recovery row locked and the security stamp
  checked, so two tabs cannot both complete: ``password_set`` ends every session and revokes app passwords and
  trusted devices (``credentials_reset``); the event is recorded and the mailbox, the alert address and the phone
  are told. The sign-in lock and delays of the account are cleared, as a helpdesk would.
- A normal sign-in cancels a pending recovery (``recovery_cancel_on_sign_in``).
"""

import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts import events
from accounts.models import RecoveryRequest, User, normalize_address
from accounts.services.passwords import password_set
from accounts.services.throttle import sign_in_lock_clear
from accounts.services.users import user_lock
from security import sms, tokens
from security.audit import security_event_record
from security.client import Client
from security.errors import Refused
from security.notifications import notification_recipients_for
from security.phone.errors import PhoneError, SmsCodeRejected
from security.phone.selectors import phone_number_of
from security.phone.services import sms_code_send, sms_code_verify, sms_notice_send
from security.two_factor.methods import methods_available_for
from security.two_factor.selectors import recovery_codes_remaining
from security.two_factor.services import SecondStepError, second_factor_verify

log = logging.getLogger("portal.recovery")

CHANNEL_EMAIL = "email"
CHANNEL_SMS = "sms"
CHANNELS = (CHANNEL_EMAIL, CHANNEL_SMS)
SMS_PURPOSE = "recovery"  # the phone app's SmsChallenge purpose
SESSION_KEY = "account_recovery"
CODE_DIGITS = 6
CODE_INPUT_MAX = 32
# Second factors that may join a proven channel. SMS is not one: the phone may be the channel itself.
SECOND_FACTOR_METHODS = ("totp", "recovery")

NEXT_SECOND_FACTOR = "second_factor"
NEXT_PASSWORD = "password"  # noqa: S105 - a step name
NEXT_HELPDESK = "helpdesk"


class RecoveryError(Refused):
    """Refused (``security.errors``); ``restart`` True when the user must begin again (the session's recovery
    state is gone)."""

    code = "recovery_refused"

    def __init__(self, message, *, status: int = 400, restart: bool = False):
        super().__init__(message, status=status)
        self.restart = restart


MSG_BUSY = _("Too many recovery requests. Wait an hour and try again.")
MSG_WRONG = _("That code is not right, or it has expired. Check the latest message and try again.")
MSG_MALFORMED = _("Enter the 6-digit code from the message.")
MSG_TOO_MANY = _("Too many wrong codes. Start the recovery again.")
MSG_RESTART = _("This recovery has expired or was started in another browser. Start again.")
MSG_TRIES_IP = _("Too many attempts from your network. Wait an hour and try again.")


@dataclass(frozen=True)
class RecoveryState:
    address: str
    channel: str
    started_at: datetime
    failures: int


# --- helpers -----------------------------------------------------------------------------------------------
def _code_new() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def _code_normalize(code: str) -> str:
    if not code or len(code) > CODE_INPUT_MAX:
        raise RecoveryError(MSG_MALFORMED)
    compact = "".join(code.split())
    if len(compact) != CODE_DIGITS or not compact.isascii() or not compact.isdigit():
        raise RecoveryError(MSG_MALFORMED)
    return compact


def _count(key: str, limit: int) -> bool:
    """Count one more in a one-hour window; False once over ``limit``."""
    cache.add(key, 0, 3600)
    try:
        value = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, 3600)
        value = 1
    return value <= limit


def _address_key(address: str) -> str:
    return hashlib.sha256(address.encode()).hexdigest()


def _alert_address_of(user: User) -> str | None:
    """The confirmed second address, if it is not the mailbox itself (the user cannot open the mailbox)."""
    recipients = notification_recipients_for(user=user)
    return recipients[1] if len(recipients) > 1 else None


def _phone_of(user: User) -> str | None:
    return phone_number_of(user=user)


def _state(session) -> RecoveryState | None:
    data = session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    try:
        state = RecoveryState(
            address=str(data["address"]),
            channel=str(data["channel"]),
            started_at=datetime.fromisoformat(data["started_at"]),
            failures=int(data.get("failures", 0)),
        )
    except (KeyError, TypeError, ValueError):
        session.pop(SESSION_KEY, None)
        return None
    if timezone.now() - state.started_at > settings.PORTAL_ACCOUNT_RECOVERY_CODE_TTL:
        session.pop(SESSION_KEY, None)
        return None
    return state


def recovery_code_minutes(channel: str) -> int:
    """How long the code of ``channel`` is valid, as the code page says it (an SMS code follows the phone TTL)."""
    ttl = settings.PORTAL_ACCOUNT_RECOVERY_CODE_TTL
    if channel == CHANNEL_SMS:
        ttl = min(ttl, settings.PORTAL_SMS_CODE_TTL)
    return int(ttl.total_seconds() // 60)


def recovery_state_of(session) -> RecoveryState | None:
    """The recovery this browser session has under way, or None (never started, expired, finished)."""
    return _state(session)


def _state_update(session, **changes) -> None:
    data = dict(session[SESSION_KEY])
    data.update(changes)
    session[SESSION_KEY] = data


def recovery_abandon(session) -> None:
    session.pop(SESSION_KEY, None)


def _request_for(*, user: User | None, session_key: str, lock: bool = False) -> RecoveryRequest | None:
    if user is None:
        return None
    rows = RecoveryRequest.objects.select_for_update() if lock else RecoveryRequest.objects
    row = rows.filter(user=user).first()
    if row is None:
        return None
    if (
        not tokens.token_matches(tokens.RECOVERY_SESSION, session_key or "", row.session_digest)
        or timezone.now() >= row.expires_at
        or row.stamp != user.security_stamp
    ):
        return None
    return row


def _user_for(address: str) -> User | None:
    return User.objects.filter(email=address, is_active=True).first()


# --- 1. asking for a code --------------------------------------------------------------------------------
def recovery_start(*, session, address: str, channel: str, client: Client) -> None:
    """Send a code to the account's confirmed alert address or bound phone, if it has the chosen one. Returns
    nothing, and takes at least the response floor, whatever happened. Raises ``RecoveryError`` (429) only for
    limits that count the typed address, the IP or everybody, never the account."""
    began = time.monotonic()
    try:
        _recovery_start(session=session, address=address, channel=channel, client=client)
    finally:
        remaining = settings.PORTAL_ACCOUNT_RECOVERY_RESPONSE_FLOOR.total_seconds() - (time.monotonic() - began)
        if remaining > 0:
            time.sleep(remaining)


def _recovery_start(*, session, address: str, channel: str, client: Client) -> None:
    address = normalize_address(address)
    if channel not in CHANNELS:
        channel = CHANNEL_EMAIL
    if not (
        _count(f"recovery:ip:{client.ip or '-'}", settings.PORTAL_ACCOUNT_RECOVERY_LIMIT_PER_IP_PER_HOUR)
        and _count("recovery:global", settings.PORTAL_ACCOUNT_RECOVERY_LIMIT_GLOBAL_PER_HOUR)
        and _count(
            f"recovery:account:{_address_key(address)}", settings.PORTAL_ACCOUNT_RECOVERY_LIMIT_PER_ACCOUNT_PER_HOUR
        )
    ):
        raise RecoveryError(MSG_BUSY, status=429)
    if session.session_key is None:
        session.save()
    else:
        session.cycle_key()  # a fresh key for a fresh recovery; the old key's code stops working
    now = timezone.now()
    session[SESSION_KEY] = {"address": address, "channel": channel, "started_at": now.isoformat(), "failures": 0}
    session.save()
    # The same work whether or not anything is sent: a code is made and hashed either way.
    code, salt = _code_new(), secrets.token_hex(16)
    digest = tokens.token_digest(tokens.RECOVERY_EMAIL_CODE, f"{salt}:{code}")
    user = _user_for(address)
    destination = None
    if user is not None:
        destination = _alert_address_of(user) if channel == CHANNEL_EMAIL else _phone_of(user)
    if destination is None:
        log.info("recovery asked: no %s channel (or no account)", channel)
        return
    ttl = settings.PORTAL_ACCOUNT_RECOVERY_CODE_TTL
    with transaction.atomic():
        RecoveryRequest.objects.update_or_create(
            user=user,
            defaults={
                "channel": channel,
                "session_digest": tokens.token_digest(tokens.RECOVERY_SESSION, session.session_key or ""),
                "stamp": user.security_stamp,
                "code_salt": salt if channel == CHANNEL_EMAIL else "",
                "code_digest": digest if channel == CHANNEL_EMAIL else "",
                "created_at": now,
                "expires_at": now + ttl,
                "failures": 0,
                "proven_at": None,
                "second_factor_at": None,
            },
        )
        security_event_record(
            user=user,
            actor=None,
            actor_kind="user",
            kind=events.RECOVERY_STARTED,
            client=client,
            details={"channel": channel},
        )
        if channel == CHANNEL_EMAIL:
            transaction.on_commit(lambda: _code_mail_send(user=user, to=destination, code=code))
    if channel == CHANNEL_SMS:
        _code_sms_send(user=user, number=destination, session_key=session.session_key, client=client)


def _code_mail_send(*, user: User, to: str, code: str) -> None:
    # Not through the notification outbox: that keeps bodies for retries, and this body holds a live code.
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {
            "user": user,
            "code": code,
            "minutes": int(settings.PORTAL_ACCOUNT_RECOVERY_CODE_TTL.total_seconds() // 60),
            "site_name": settings.PORTAL_SITE_NAME,
        }
        subject = render_to_string("emails/recovery_code_subject.txt", context).strip()
        body = render_to_string("emails/recovery_code.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    except Exception as error:  # any backend failure: the answer must not change; the user can ask again
        log.warning("recovery code mail not sent to user %s: %s", user.pk, type(error).__name__)


def _code_sms_send(*, user: User, number: str, session_key: str, client: Client) -> None:
    try:
        sms_code_send(
            user=user,
            number=number,
            purpose=SMS_PURPOSE,
            session_key=session_key,
            client=client,
            template=sms.TEMPLATE_RECOVERY,
        )
    except PhoneError as error:  # cooldown, limits, gateway: the answer must not change
        log.info("recovery sms not sent to user %s: %s", user.pk, error.code)


# --- 2. the code ------------------------------------------------------------------------------------------
def recovery_code_verify(*, session, code: str, client: Client) -> str:
    """Check the code from the message. Returns the next step (``NEXT_*``) or raises ``RecoveryError``. A wrong
    code counts against the session (so unknown addresses behave the same), the account's row and the IP."""
    state = _state(session)
    if state is None:
        raise RecoveryError(MSG_RESTART, restart=True)
    user = _user_for(state.address)
    session_key = session.session_key or ""
    proven = _request_for(user=user, session_key=session_key)
    if proven is not None and proven.proven_at is not None:  # another tab of this session got there first
        return _next_step(user=user, state=state)
    code = _code_normalize(code)
    if not _count(f"recovery:tries:{client.ip or '-'}", settings.PORTAL_ACCOUNT_RECOVERY_CODE_TRIES_PER_IP_PER_HOUR):
        raise RecoveryError(MSG_TRIES_IP, status=429)
    limit = settings.PORTAL_ACCOUNT_RECOVERY_MAX_FAILURES
    if state.failures >= limit:
        recovery_abandon(session)
        raise RecoveryError(MSG_TOO_MANY, status=429, restart=True)
    right = False
    with transaction.atomic():
        row = _request_for(user=user, session_key=session_key, lock=True)
        if row is not None and row.proven_at is not None:  # a second tab, a moment ago
            return _next_step(user=user, state=state)
        if row is not None:
            if row.channel == CHANNEL_EMAIL:
                right = tokens.token_matches(tokens.RECOVERY_EMAIL_CODE, f"{row.code_salt}:{code}", row.code_digest)
            if right:
                row.proven_at = timezone.now()
                row.code_digest = ""  # once
                row.save(update_fields=["proven_at", "code_digest"])
            elif row.channel == CHANNEL_EMAIL:
                row.failures += 1
                row.save(update_fields=["failures"])
    if row is not None and row.channel == CHANNEL_SMS:
        right = _sms_code_right(user=user, code=code, session_key=session_key, client=client)
        if right:
            RecoveryRequest.objects.filter(pk=row.pk, proven_at__isnull=True).update(proven_at=timezone.now())
    if not right:
        failures = state.failures + 1
        _state_update(session, failures=failures)
        if user is not None and row is not None:
            security_event_record(
                user=user,
                actor=None,
                actor_kind="user",
                kind=events.RECOVERY_CODE_FAILED,
                client=client,
                details={"channel": row.channel, "failures": failures},
            )
        if failures >= limit:
            recovery_abandon(session)
            if row is not None:
                RecoveryRequest.objects.filter(pk=row.pk).delete()
            raise RecoveryError(MSG_TOO_MANY, status=429, restart=True)
        raise RecoveryError(MSG_WRONG)
    security_event_record(
        user=user,
        actor=None,
        actor_kind="user",
        kind=events.RECOVERY_CHANNEL_PROVEN,
        client=client,
        details={"channel": row.channel},
    )
    return _next_step(user=user, state=state)


def _sms_code_right(*, user: User, code: str, session_key: str, client: Client) -> bool:
    try:
        sms_code_verify(user=user, purpose=SMS_PURPOSE, session_key=session_key, code=code, client=client)
    except SmsCodeRejected:
        return False
    return True


def second_factor_methods_for(*, user: User) -> list:
    """The factors that may join the proven channel: authenticator app and recovery codes (with codes left)."""
    usable = []
    for method in methods_available_for(user):
        if method.key not in SECOND_FACTOR_METHODS:
            continue
        if method.key == "recovery" and not recovery_codes_remaining(user=user):
            continue
        usable.append(method)
    return usable


def _next_step(*, user: User | None, state: RecoveryState) -> str:
    if user is None:
        raise RecoveryError(MSG_RESTART, restart=True)
    if not user.two_step_enabled:
        return NEXT_PASSWORD
    row = RecoveryRequest.objects.filter(user=user).first()
    if row is not None and row.second_factor_at is not None:
        return NEXT_PASSWORD
    return NEXT_SECOND_FACTOR if second_factor_methods_for(user=user) else NEXT_HELPDESK


def recovery_user_for(*, session) -> User | None:
    """The account of a recovery whose channel this session proved (None otherwise)."""
    state = _state(session)
    if state is None:
        return None
    user = _user_for(state.address)
    row = _request_for(user=user, session_key=session.session_key or "")
    if row is None or row.proven_at is None:
        return None
    return user


def recovery_next_step(*, session) -> str | None:
    state = _state(session)
    if state is None:
        return None
    user = recovery_user_for(session=session)
    if user is None:
        return None
    return _next_step(user=user, state=state)


# --- 3. the second factor ---------------------------------------------------------------------------------
def recovery_second_factor_verify(*, session, method_key: str, code: str, client: Client) -> None:
    """Check an authenticator or recovery code for a user whose channel this session proved."""
    user = recovery_user_for(session=session)
    if user is None:
        raise RecoveryError(MSG_RESTART, restart=True)
    if method_key not in [method.key for method in second_factor_methods_for(user=user)]:
        raise RecoveryError(_("That verification method is not available."))
    try:
        second_factor_verify(user=user, method_key=method_key, code=code, client=client, purpose="recovery")
    except SecondStepError as error:
        raise RecoveryError(error.message, status=error.status) from None
    RecoveryRequest.objects.filter(user=user, proven_at__isnull=False).update(second_factor_at=timezone.now())
    if method_key != "recovery":  # a used recovery code records its own event (and notifies)
        from security.two_factor.events import SECOND_FACTOR_PASSED

        security_event_record(
            user=user,
            actor=None,
            actor_kind="user",
            kind=SECOND_FACTOR_PASSED,
            client=client,
            details={"method": method_key, "purpose": "recovery"},
        )


# --- 4. the new password ----------------------------------------------------------------------------------
def recovery_complete(*, session, new_password: str, client: Client) -> User:
    """Set the new password. Raises ``RecoveryError`` if this session has not passed every step, or another tab
    or browser finished first."""
    state = _state(session)
    user = _user_for(state.address) if state is not None else None
    if user is None:
        raise RecoveryError(MSG_RESTART, restart=True)
    with transaction.atomic():
        user = user_lock(user.pk)
        row = _request_for(user=user, session_key=session.session_key or "", lock=True)
        if row is None or row.proven_at is None:
            raise RecoveryError(MSG_RESTART, restart=True)
        if user.two_step_enabled and row.second_factor_at is None:
            raise RecoveryError(_("Confirm with your second factor first."))
        channel = row.channel
        row.delete()
        user = password_set(user=user, new_password=new_password, actor=None, client=client)
        security_event_record(
            user=user,
            actor=None,
            actor_kind="user",
            kind=events.RECOVERY_COMPLETED,
            client=client,
            details={"channel": channel},
            notify=True,
        )
        transaction.on_commit(lambda: _phone_notice_send(user=user, client=client))
    # Whoever proved the channel (and the second factor) owns the account: a lock that guessers caused ends too.
    sign_in_lock_clear(address=user.email)
    recovery_abandon(session)
    return user


def _phone_notice_send(*, user: User, client: Client) -> None:
    if _phone_of(user):
        sms_notice_send(user=user, template=sms.TEMPLATE_PASSWORD_RESET, client=client)


# --- cancelling -------------------------------------------------------------------------------------------
def recovery_cancel_on_sign_in(*, user: User, client: Client) -> bool:
    """A normal sign-in shows the user still has the password: a pending recovery ends. True if one did."""
    deleted, _rows = RecoveryRequest.objects.filter(user=user).delete()
    if deleted:
        security_event_record(user=user, actor=user, kind=events.RECOVERY_CANCELLED, client=client)
    return bool(deleted)


def recovery_channels_for(*, user: User, has_phone: bool | None = None) -> dict:
    """For the overview: does the account have any way back if the password is forgotten? ``has_phone``: what the
    caller already read (the overview's phone card), to spare the same query."""
    alert = _alert_address_of(user)
    phone = _phone_of(user) if has_phone is None else has_phone
    return {"alert_address": bool(alert), "phone": bool(phone), "any": bool(alert or phone)}
