"""Turning two-step verification on and off, enrolling an authenticator, recovery codes, and checking a second
factor (docs/security.md items 8-12, 19, 20).

Invariants:
- Only ``two_step_sync`` (and ``two_step_disable``, which removes every factor) writes ``User.two_step_enabled``. It
  is True exactly when ``methods.two_step_is_on``: the user has at least one strong factor (an authenticator app;
  later a passkey). A service that adds a strong factor calls ``strong_factor_added`` in its transaction, which
  turns two-step on and issues recovery codes the first time.
- Each write runs in ``transaction.atomic()`` with the user's row locked (``select_for_update``), so two tabs or a
  double submit cannot create two devices or two sets of recovery codes.
- A plaintext recovery code exists only in the return value of ``recovery_codes_regenerate`` /
  ``authenticator_enroll``; a plaintext TOTP secret only in the caller's memory and, sealed, in its session.
- ``second_factor_verify`` checks one code against one device: the one of the method the user chose. A wrong code
  is charged to that device only (django-otp issue 110). Success and failure are both recorded; a failure is never
  rolled back by the exception that reports it.
- A device whose secret the configured server keys cannot open (a ``SECRET_KEY`` rotation finished without
  ``reseal_secrets``) is refused as "unavailable" with a 409, logged and recorded, and charges no throttle.
"""

import hmac
import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp import devices_for_user

from accounts.models import User
from accounts.services.users import user_lock
from security.audit import security_event_record
from security.client import Client
from security.errors import Refused

from . import crypto, events, methods
from .models import (
    AuthenticatorDevice,
    HardCapThrottlingMixin,
    PausedMethod,
    RecoveryCode,
    RecoveryCodeDevice,
    SealedSecretMixin,
)
from .signals import two_step_disabled

logger = logging.getLogger("security.two_factor")

SIGN_IN = "sign_in"
REAUTH = "reauth"


class SecondStepError(Refused):
    """A code was refused (``security.errors``: ``message``, ``status``)."""

    code = "second_step_refused"


@dataclass(frozen=True)
class EnrollResult:
    device: AuthenticatorDevice
    recovery_codes: list[str] | None  # set when this enrolment turned two-step verification on
    changed: bool  # False when this was a repeat of an enrolment already done (double submit)


def _recovery_codes_issue(*, user: User) -> list[str]:
    RecoveryCodeDevice.objects.filter(user=user).delete()
    set_key = crypto.recovery_set_key_new()
    device = RecoveryCodeDevice(user=user, name=str(_("Recovery codes")), confirmed=True)
    device.seal_secret(set_key)
    device.save()
    codes = [crypto.recovery_code_new() for _index in range(settings.PORTAL_RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, digest=crypto.recovery_code_digest(set_key, crypto.recovery_code_normalize(code)))
        for code in codes
    )
    return codes


def authenticator_enroll(*, user: User, secret: bytes, code: str, client: Client) -> EnrollResult:
    """Confirm a new authenticator with a code from it. Turns two-step on (issuing recovery codes) if it was off,
    or replaces the user's authenticator if there was one. Raises ``SecondStepError`` if the code is wrong."""
    now = time.time()
    current = crypto.totp_step_at(now)
    matched = crypto.totp_match(secret, code, [current, current - 1])
    if matched is None:
        raise SecondStepError(_("That code is not right. Check that the app shows this account, and try again."))
    with transaction.atomic():
        user = user_lock(user.pk)
        existing = AuthenticatorDevice.objects.filter(user=user).first()
        existing_secret = existing.secret_or_none() if existing is not None else None
        if existing_secret is not None and hmac.compare_digest(existing_secret, secret):
            return EnrollResult(device=existing, recovery_codes=None, changed=False)
        if existing is not None:
            existing.delete()  # also one that can no longer be unsealed: setting up again is its cure
        device = AuthenticatorDevice(
            user=user,
            name=str(_("Authenticator app")),
            confirmed=True,
            last_t=matched,  # the confirming code can never be used again
        )
        device.seal_secret(secret)
        device.save()
        recovery_codes = strong_factor_added(
            user=user,
            client=client,
            kind=events.AUTHENTICATOR_REPLACED if existing is not None else events.AUTHENTICATOR_ADDED,
        )
    return EnrollResult(device=device, recovery_codes=recovery_codes, changed=True)


def two_step_sync(*, user: User) -> bool:
    """Store ``methods.two_step_is_on(user)`` in ``User.two_step_enabled`` (the column the mail server's SQL and
    every page read). Call it with the user's row locked, after adding or removing a strong factor. Returns the
    new value."""
    enabled = methods.two_step_is_on(user)
    if user.two_step_enabled != enabled:
        user.two_step_enabled = enabled
        fields = ["two_step_enabled"]
        if enabled:
            user.two_step_setup_required = False
            fields.append("two_step_setup_required")
        user.save(update_fields=fields)
    return enabled


def strong_factor_added(*, user: User, client: Client, kind: str) -> list[str] | None:
    """A strong factor was just saved for ``user`` (row locked, in the caller's transaction). If two-step was off,
    this turns it on, issues recovery codes and returns them (``two_step.enabled`` is recorded); otherwise it
    records ``kind`` (e.g. "authenticator added") and returns None. Both are e-mailed to the user."""
    was_on = user.two_step_enabled
    if not two_step_sync(user=user):
        raise RuntimeError("strong_factor_added called, but the user has no strong factor")
    recovery_codes = None
    if not was_on:
        recovery_codes = _recovery_codes_issue(user=user)
        kind = events.TWO_STEP_ENABLED
    security_event_record(user=user, actor=user, kind=kind, client=client, notify=True)
    return recovery_codes


def method_pause_set(*, user: User, method_key: str, paused: bool, client: Client) -> bool:
    """Stop (``paused=True``) or start again using a method for sign-in and confirming, keeping what it rests on
    (SMS: the bound phone). Only methods with ``pause_events``. Returns False if nothing changed."""
    method = methods.method_get(method_key)
    if method is None or not method.pausable:
        raise SecondStepError(_("That verification method is not available."))
    with transaction.atomic():
        user = user_lock(user.pk)
        if paused:
            _row, changed = PausedMethod.objects.get_or_create(user=user, method=method.key)
        else:
            changed = PausedMethod.objects.filter(user=user, method=method.key).delete()[0] > 0
        if changed:
            paused_kind, resumed_kind = method.pause_events
            security_event_record(
                user=user, actor=user, kind=paused_kind if paused else resumed_kind, client=client, notify=True
            )
    return changed


def recovery_codes_regenerate(*, user: User, client: Client) -> list[str]:
    """A new set of codes; every code of the old set stops working in the same transaction."""
    with transaction.atomic():
        user = user_lock(user.pk)
        if not user.two_step_enabled:
            raise SecondStepError(_("Turn on two-step verification first."))
        codes = _recovery_codes_issue(user=user)
        security_event_record(user=user, actor=user, kind=events.RECOVERY_CODES_REGENERATED, client=client, notify=True)
    return codes


def two_step_disable(
    *, user: User, client: Client, actor: User | None = None, reason: str = "", require_setup: bool = False
) -> bool:
    """Remove every second factor (ours and any other django-otp device) and turn the flag off. Helpdesk passes
    the staff ``actor``, their ``reason``, and whether the user must set it up again at the next sign-in.
    Returns False if there was nothing to turn off."""
    with transaction.atomic():
        user = user_lock(user.pk)
        for device in list(devices_for_user(user, confirmed=None)):
            device.delete()
        for method in methods.methods_all():
            if method.remove_all is not None:
                method.remove_all(user)
        was_enabled = user.two_step_enabled
        user.two_step_enabled = False
        user.two_step_setup_required = require_setup
        user.save(update_fields=["two_step_enabled", "two_step_setup_required"])
        if was_enabled:
            security_event_record(
                user=user,
                actor=actor or user,
                kind=events.TWO_STEP_DISABLED,
                client=client,
                details={"reason": reason} if reason else {},
                notify=True,
            )
            two_step_disabled.send(sender=User, user=user, actor=actor or user, client=client)
    return was_enabled


def _wait_message(info: dict):
    if info.get("reason") == "locked":
        return _(
            "Too many wrong codes: this method is locked. Use another method, such as a recovery code, "
            "or contact the helpdesk."
        )
    locked_until = info.get("locked_until")
    seconds = max(1, int((locked_until - timezone.now()).total_seconds() + 0.999)) if locked_until else 1
    return ngettext(
        "Too many wrong codes. Wait %(seconds)d second and try again.",
        "Too many wrong codes. Wait %(seconds)d seconds and try again.",
        seconds,
    ) % {"seconds": seconds}


UNAVAILABLE_MESSAGE = _(
    "This verification method is unavailable right now. Use another method, or contact the helpdesk."
)
RESYNCHRONISED_MESSAGE = _(
    "That code is for a different time than ours. Make sure your phone sets its clock automatically, "
    "then enter the next code your app shows."
)


def _device_unavailable(device) -> bool:
    """True when no configured server key can open this device's secret (logged by the model). A legacy
    recovery set without a sealed key cannot tell; its codes simply stop matching (docs/security.md)."""
    if isinstance(device, SealedSecretMixin) and (device.sealed_key or isinstance(device, AuthenticatorDevice)):
        return device.secret_or_none() is None
    return False


def second_factor_verify(
    *,
    user: User,
    method_key: str,
    client: Client,
    purpose: str,
    code: str = "",
    answer: dict | None = None,
    session_key: str | None = None,
):
    """Check ``code`` (a ``CODE`` method) or ``answer`` (a ``CUSTOM`` challenge's form data) with the user's
    factor for ``method_key``. Returns the device (for ``django_otp.login``; None for a method without one) or
    raises ``SecondStepError`` with the sentence to show."""
    method = methods.method_get(method_key)
    if method is None or not method.available_for(user):
        raise SecondStepError(_("That verification method is not available."))
    details = {"method": method.key, "purpose": purpose}
    if method.verify is not None:
        given = {"code": code} if method.kind == methods.CODE else {"answer": answer or {}}
        return _custom_method_verify(
            method=method, user=user, given=given, client=client, session_key=session_key, details=details
        )
    refused, unavailable, locked_now = None, None, False
    with transaction.atomic():
        device = method.device_model.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is None:
            raise SecondStepError(_("That verification method is not available."))
        allowed, info = device.verify_is_allowed()
        if _device_unavailable(device):
            security_event_record(
                user=user, actor=user, kind=events.SECOND_FACTOR_UNAVAILABLE, client=client, details=details
            )
            unavailable = SecondStepError(UNAVAILABLE_MESSAGE, status=409)
        elif not allowed:
            refused = SecondStepError(_wait_message(info), status=429)
        elif device.verify_token(code):
            _unlock_other_devices(user=user, device=device)
        else:
            locked_now = getattr(device, "locked", False)
            wrong = RESYNCHRONISED_MESSAGE if getattr(device, "resynchronised", False) else None
            refused = SecondStepError(wrong or _("That code is not right. Try again."))
        if unavailable is not None:
            pass  # recorded above; nothing was checked
        elif refused is not None:
            _failure_record(user=user, client=client, details=details, locked_now=locked_now)
        elif method.key == methods.RECOVERY:
            remaining = device.codes.filter(used_at__isnull=True).count()
            security_event_record(
                user=user,
                actor=user,
                kind=events.RECOVERY_CODE_USED,
                client=client,
                details={**details, "remaining": remaining},
                notify=True,
            )
        elif purpose == REAUTH:
            _success_record(user=user, client=client, details=details)
    if unavailable is not None:
        raise unavailable
    if refused is not None:
        raise refused
    return device


def _custom_method_verify(*, method, user, given, client, session_key, details):
    """A method with its own check (SMS): it keeps its own limits and commits its own failure count, so it runs
    outside any transaction here; success and failure are recorded here like for every factor."""
    try:
        device = method.verify(user=user, client=client, session_key=session_key, **given)
    except SecondStepError:
        _failure_record(user=user, client=client, details=details, locked_now=False)
        raise
    with transaction.atomic():
        _unlock_other_devices(user=user, device=device)
    if details["purpose"] == REAUTH:
        _success_record(user=user, client=client, details=details)
    return device


def _unlock_other_devices(*, user: User, device) -> None:
    """Passing with one factor unlocks the others: the user has proved who they are."""
    passed = device.persistent_id if device is not None else None
    for other in devices_for_user(user, confirmed=None, for_verify=True):
        if (
            isinstance(other, HardCapThrottlingMixin)
            and other.persistent_id != passed
            and other.throttling_failure_count
        ):
            other.throttle_reset(commit=True)


def _failure_record(*, user: User, client: Client, details: dict, locked_now: bool) -> None:
    security_event_record(
        user=user,
        actor=user,
        kind=events.SECOND_FACTOR_LOCKED if locked_now else events.SECOND_FACTOR_FAILED,
        client=client,
        details=details,
        notify=locked_now,
    )


def _success_record(*, user: User, client: Client, details: dict) -> None:
    security_event_record(user=user, actor=user, kind=events.SECOND_FACTOR_PASSED, client=client, details=details)


def second_factor_challenge(*, request, user: User, method_key: str, client: Client):
    """Ask a method to send a code (SMS). Returns the message to show; raises ``SecondStepError`` if it cannot."""
    method = methods.method_get(method_key)
    if method is None or method.challenge is None or not method.available_for(user):
        raise SecondStepError(_("That verification method is not available."))
    return method.challenge(request=request, user=user, client=client)


# --- Server-key rotation -------------------------------------------------------------------------------------
@dataclass
class ResealCounts:
    resealed: int = 0  # opened with a fallback key and sealed again under SECRET_KEY
    current: int = 0  # already sealed under SECRET_KEY
    unopenable: int = 0  # no configured key opens it: the user must use another method or be reset
    unopenable_user_ids: list[int] = field(default_factory=list)


def sealed_secrets_reseal(*, dry_run: bool = False, batch_size: int = 500) -> dict[str, ResealCounts]:
    """Re-seal every TOTP secret and recovery-set key under the current ``SECRET_KEY`` (step 2 of a key rotation,
    docs/security.md). Each batch is one transaction with its rows locked, so a sign-in at the same time waits
    and never writes a stale copy back. Running it again changes nothing. A secret no configured key opens keeps
    its sealed value (the old key may still be put back) but loses its key id, so the system check counts it."""
    current_id = crypto.key_id_current()
    report = {}
    for kind, model in (("authenticator", AuthenticatorDevice), ("recovery", RecoveryCodeDevice)):
        counts = ResealCounts()
        pks = list(model.objects.exclude(sealed_key="").order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(pks), batch_size):
            with transaction.atomic():
                rows = model.objects.select_for_update().filter(pk__in=pks[start : start + batch_size]).order_by("pk")
                changed = [
                    device
                    for device in rows
                    if _reseal_one(device, counts=counts, current_id=current_id, dry_run=dry_run)
                ]
                model.objects.bulk_update(changed, ["sealed_key", "sealed_key_id"])
        report[kind] = counts
    logger.info(
        "reseal_secrets%s: %s",
        " (dry run)" if dry_run else "",
        {kind: (c.resealed, c.current, c.unopenable) for kind, c in report.items()},
    )
    return report


def _reseal_one(device, *, counts: ResealCounts, current_id: str, dry_run: bool) -> bool:
    """Count ``device`` and change it in memory; True if it is to be written."""
    try:
        secret, key_id = crypto.unseal_with_key_id(device.sealed_key)
    except crypto.InvalidToken:
        counts.unopenable += 1
        counts.unopenable_user_ids.append(device.user_id)
        if device.sealed_key_id:
            device.sealed_key_id = ""
            return not dry_run
        return False
    if key_id == current_id:
        counts.current += 1
        if device.sealed_key_id != key_id:
            device.sealed_key_id = key_id
            return not dry_run
        return False
    counts.resealed += 1
    device.seal_secret(secret)
    return not dry_run
