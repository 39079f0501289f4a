"""SMS codes and phone binding: the only writers of ``SmsChallenge`` and ``PhoneBinding``.

Invariants (docs/security.md items 13-18):
- An SMS is sent only by ``sms_code_send`` (and the "number changed" notice after a change), always for a
  known user with a session: views that reach it are ``@login_required`` + ``@reauth_required``, and the
  sign-in step calls it only after the password step. Nothing anonymous reaches it.
- A code is 6 digits from ``secrets``, stored as an HMAC with a per-code salt, valid ``PORTAL_SMS_CODE_TTL``,
  accepted once, and only for the same user, purpose and session it was sent for. The number comes from the
  stored challenge, never from the request that confirms it: a code sent to A can never bind B.
- A new code may be sent ``PORTAL_SMS_RESEND_COOLDOWN`` after the last one for the account and purpose, and
  after the last one to the number (whichever account asked: ``limits.sms_number_cooldown_claim``); it
  replaces the old code and keeps the failure count. ``PORTAL_SMS_CODE_MAX_FAILURES`` wrong codes kill the code
  and lock sending for ``PORTAL_SMS_LOCKOUT``.
- The number is checked (``numbers.phone_number_parse``) and the quota reserved before the gateway is called;
  the gateway call runs outside any transaction; if it fails, the quota is given back and the cooldown claim
  undone, and no code or binding is written.
- Every SMS is a templated message (``security.sms.messages``) in the user's language, sent by
  ``security.sms.sms_send`` (routing and failover); each one sent records an ``sms_sent`` event naming the
  gateway that sent it.
- Wrong-code counting and the binding are committed in one transaction with the challenge row locked, so two
  tabs confirming the same code at once bind once: the other gets "already used".
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from security import sms, tokens
from security.audit import security_event_record
from security.client import SYSTEM, Client
from security.sms import console
from security.sms.messages import sms_message_build

from . import events
from .errors import PhoneBindRefused, PhoneError, SmsCodeRejected, SmsSendFailed, SmsSendRefused
from .limits import sms_number_cooldown_claim, sms_number_cooldown_release, sms_quota_refund, sms_quota_reserve
from .models import PhoneBinding, SmsChallenge
from .numbers import phone_number_parse
from .selectors import mask_phone

log = logging.getLogger("portal.phone")

PURPOSE_BIND = "bind"
PURPOSE_SIGN_IN = "sign_in"
CODE_DIGITS = 6
CODE_INPUT_MAX = 32  # anything longer is not a code; refused before any work


@dataclass(frozen=True)
class SmsCodeSent:
    number: str
    expires_at: datetime
    resend_at: datetime


def _code_new() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def _language_of(user) -> str:
    return user.language or settings.LANGUAGE_CODE


def _sms_send(*, user, to: str, template: str, params: dict, client: Client) -> sms.SmsSent:
    """Send one templated SMS in the user's language through the number's gateways, and record which gateway
    sent it. Raises ``SmsSendFailed`` (refused number, or every gateway failed: nothing was sent)."""
    message = sms_message_build(to=to, template=template, params=params, language=_language_of(user))
    try:
        # The development outbox shows each user only their own messages.
        with console.sending_for(user.pk):
            sent = sms.sms_send(message)
    except sms.SmsRejected as error:
        raise SmsSendFailed(error.reason_code) from None
    except sms.SmsError:
        raise SmsSendFailed("unavailable") from None
    security_event_record(
        user=user,
        kind=events.SMS_SENT,
        client=client,
        actor=user,
        details={
            "number": mask_phone(to),
            "template": template,
            "gateway": sent.gateway,
            **({"failed": list(sent.failed)} if sent.failed else {}),
        },
    )
    return sent


def sms_code_send(
    *,
    user,
    number: str,
    purpose: str,
    session_key: str,
    client: Client,
    template: str = sms.TEMPLATE_VERIFICATION_CODE,
) -> SmsCodeSent:
    """Send a new code for ``purpose`` to ``number`` (E.164 or as typed) and remember it for this session.

    ``template`` is the SMS that carries the code: ``verification_code``, or ``recovery`` for account recovery.
    Raises ``PhoneNumberRefused`` (number), ``SmsSendRefused`` (cooldown, lockout, limits: see ``retry_at``)
    or ``SmsSendFailed`` (gateway). Call it outside ``transaction.atomic``: the gateway call must not hold
    locks.
    """
    if not session_key:
        raise ValueError("sms_code_send needs the session key (save the session first)")
    number = phone_number_parse(number)
    now = timezone.now()
    # 1. Claim the send (cooldown and lockout), so two racing requests cannot both send.
    with transaction.atomic():
        SmsChallenge.objects.get_or_create(user=user, purpose=purpose)
        challenge = SmsChallenge.objects.select_for_update().get(user=user, purpose=purpose)
        if challenge.locked_until and now < challenge.locked_until:
            raise SmsSendRefused("locked", retry_at=challenge.locked_until)
        if challenge.locked_until:  # the lockout is over: start counting again
            challenge.failures = 0
            challenge.locked_until = None
        if challenge.sent_at and now < challenge.sent_at + settings.PORTAL_SMS_RESEND_COOLDOWN:
            raise SmsSendRefused("cooldown", retry_at=challenge.sent_at + settings.PORTAL_SMS_RESEND_COOLDOWN)
        previous_sent_at = challenge.sent_at
        challenge.sent_at = now
        challenge.save(update_fields=["sent_at", "failures", "locked_until"])

    def undo_account_claim():
        SmsChallenge.objects.filter(pk=challenge.pk, sent_at=now).update(sent_at=previous_sent_at)

    # 1b. The same cooldown per number, whichever account or purpose asks.
    try:
        number_claim = sms_number_cooldown_claim(number=number, now=now)
    except SmsSendRefused:
        undo_account_claim()
        raise

    def undo_claim():
        undo_account_claim()
        sms_number_cooldown_release(number_claim)

    # 2. Reserve quota, 3. send: both give everything back on failure.
    try:
        quota = sms_quota_reserve(user=user, number=number, ip=client.ip)
    except SmsSendRefused:
        undo_claim()
        raise
    code = _code_new()
    ttl = settings.PORTAL_SMS_CODE_TTL
    params = {"code": code, "minutes": int(ttl.total_seconds() // 60)}
    try:
        _sms_send(user=user, to=number, template=template, params=params, client=client)
    except SmsSendFailed as error:
        sms_quota_refund(quota)
        undo_claim()
        log.info("sms not sent: user=%s purpose=%s reason=%s", user.pk, purpose, error.code)
        raise
    # 4. Only now does the new code replace the old one.
    salt = secrets.token_hex(16)
    with transaction.atomic():
        challenge = SmsChallenge.objects.select_for_update().get(pk=challenge.pk)
        challenge.number = number
        challenge.session_bind(session_key)
        challenge.code_salt = salt
        challenge.code_digest = tokens.token_digest(tokens.SMS_CODE, f"{salt}:{code}")
        challenge.sent_at = now
        challenge.expires_at = now + ttl
        challenge.used_at = None
        challenge.save()
    log.info("sms code sent: user=%s purpose=%s", user.pk, purpose)
    return SmsCodeSent(number=number, expires_at=now + ttl, resend_at=now + settings.PORTAL_SMS_RESEND_COOLDOWN)


def _code_normalize(code: str) -> str:
    if not code or not code.strip():
        raise SmsCodeRejected("empty")
    if len(code) > CODE_INPUT_MAX:
        raise SmsCodeRejected("malformed")
    compact = "".join(code.split())
    if len(compact) != CODE_DIGITS or not compact.isascii() or not compact.isdigit():
        raise SmsCodeRejected("malformed")
    return compact


def _challenge_consume(*, user, purpose: str, session_key: str, code: str, client: Client):
    """Inside a transaction: lock the challenge and use the code. Returns ``(number, None)`` or ``(None,
    error)``; never raises for a wrong code, so the caller's transaction still commits the failure count."""
    now = timezone.now()
    challenge = SmsChallenge.objects.select_for_update().filter(user=user, purpose=purpose).first()
    if challenge is None or not challenge.code_digest:
        if challenge is not None and challenge.locked_until and now < challenge.locked_until:
            return None, SmsCodeRejected("locked", retry_at=challenge.locked_until)
        return None, SmsCodeRejected("no_code")
    if not challenge.belongs_to_session(session_key):
        return None, SmsCodeRejected("no_code")
    if challenge.used_at is not None:
        return None, SmsCodeRejected("used")
    if now >= challenge.expires_at:
        return None, SmsCodeRejected("expired")
    if not tokens.token_matches(tokens.SMS_CODE, f"{challenge.code_salt}:{code}", challenge.code_digest):
        challenge.failures += 1
        limit = settings.PORTAL_SMS_CODE_MAX_FAILURES
        error = SmsCodeRejected("wrong", remaining=max(limit - challenge.failures, 0))
        if challenge.failures >= limit:
            challenge.code_digest = ""  # this code can never work now
            challenge.locked_until = now + settings.PORTAL_SMS_LOCKOUT
            error = SmsCodeRejected("locked", retry_at=challenge.locked_until)
        challenge.save(update_fields=["failures", "code_digest", "locked_until"])
        security_event_record(
            user=user,
            kind=events.SMS_CODE_FAILED,
            client=client,
            actor=user,
            details={"purpose": purpose, "failures": challenge.failures},
        )
        return None, error
    challenge.used_at = now
    challenge.failures = 0
    challenge.save(update_fields=["used_at", "failures"])
    return str(challenge.number), None


def sms_code_verify(*, user, purpose: str, session_key: str, code: str, client: Client = SYSTEM) -> str:
    """Use a code sent by ``sms_code_send``. Returns the E.164 number it was sent to, or raises
    ``SmsCodeRejected``.

    Wrong codes are counted in their own transaction: do not call this inside an atomic block that you roll
    back."""
    code = _code_normalize(code)
    with transaction.atomic():
        number, error = _challenge_consume(
            user=user, purpose=purpose, session_key=session_key, code=code, client=client
        )
    if error is not None:
        raise error
    return number


def phone_bind_start(*, user, raw_number: str, session_key: str, client: Client) -> SmsCodeSent:
    """Check the typed number and text it a code. Nothing is bound yet."""
    number = phone_number_parse(raw_number)
    current = PhoneBinding.objects.filter(user=user).values_list("number", flat=True).first()
    if current is not None and str(current) == number:
        raise PhoneBindRefused("same_number")
    return sms_code_send(user=user, number=number, purpose=PURPOSE_BIND, session_key=session_key, client=client)


def phone_bind_resend(*, user, session_key: str, client: Client) -> SmsCodeSent:
    """A new code to the number this session is binding (after the cooldown; the failure count stays)."""
    challenge = SmsChallenge.objects.filter(user=user, purpose=PURPOSE_BIND).first()
    if challenge is None or not challenge.number or not challenge.belongs_to_session(session_key):
        raise SmsCodeRejected("no_code")
    return sms_code_send(
        user=user, number=str(challenge.number), purpose=PURPOSE_BIND, session_key=session_key, client=client
    )


def phone_bind_confirm(*, user, code: str, session_key: str, client: Client) -> PhoneBinding:
    """Bind the number the code was sent to. Binding, the event and the e-mail commit together, or nothing
    does."""
    code = _code_normalize(code)
    error: PhoneError | None = None
    old_number = None
    with transaction.atomic():
        number, error = _challenge_consume(
            user=user, purpose=PURPOSE_BIND, session_key=session_key, code=code, client=client
        )
        if error is None:
            others = PhoneBinding.objects.filter(number=number).exclude(user=user).count()
            if others >= settings.PORTAL_PHONE_MAX_ACCOUNTS_PER_NUMBER:
                error = PhoneBindRefused("too_many_accounts")
        if error is None:
            binding = PhoneBinding.objects.select_for_update().filter(user=user).first()
            if binding is None:
                binding = PhoneBinding(user=user)
            else:
                old_number = str(binding.number)
            binding.number = number
            binding.bound_at = timezone.now()
            binding.save()
            changed = old_number is not None and old_number != number
            security_event_record(
                user=user,
                kind=events.PHONE_CHANGED if changed else events.PHONE_BOUND,
                client=client,
                actor=user,
                details={
                    "number": mask_phone(number),
                    **({"old_number": mask_phone(old_number)} if changed else {}),
                },
                notify=True,
            )
            if changed:
                transaction.on_commit(
                    lambda: phone_changed_notice_send(user=user, old_number=old_number, client=client)
                )
    if error is not None:
        raise error
    return binding


def sms_notice_send(*, user, template: str, client: Client = SYSTEM) -> bool:
    """A notice without a code (e.g. "your password was reset") to the bound phone. Best effort: a failure is
    logged and the change it reports stands."""
    number = PhoneBinding.objects.filter(user=user).values_list("number", flat=True).first()
    if not number:
        return False
    try:
        _sms_send(user=user, to=str(number), template=template, params={}, client=client)
    except SmsSendFailed as error:
        log.warning("could not text a notice: user=%s template=%s reason=%s", user.pk, template, error.code)
        return False
    return True


def phone_changed_notice_send(*, user, old_number: str, client: Client = SYSTEM) -> bool:
    """Tell the old number it is no longer bound. Best effort: a failure is logged, the change stands."""
    try:
        _sms_send(user=user, to=old_number, template=sms.TEMPLATE_NUMBER_CHANGED, params={}, client=client)
    except SmsSendFailed as error:
        log.warning("could not text the old number about a change: user=%s reason=%s", user.pk, error.code)
        return False
    return True


def phone_remove(*, user, client: Client, actor=None, reason: str = "") -> None:
    """Unbind the user's phone. Helpdesk passes ``actor`` (the staff user) and the ``reason`` they gave."""
    with transaction.atomic():
        binding = PhoneBinding.objects.select_for_update().filter(user=user).first()
        if binding is None:
            raise PhoneBindRefused("not_bound")
        number = str(binding.number)
        binding.delete()
        SmsChallenge.objects.filter(user=user, purpose=PURPOSE_BIND).delete()
        security_event_record(
            user=user,
            kind=events.PHONE_REMOVED,
            client=client,
            actor=actor or user,
            details={"number": mask_phone(number), **({"reason": reason} if reason else {})},
            notify=True,
        )
