"""Reads for the bound phone."""

import math


def mask_phone(e164: str) -> str:
    """``+8613812345678`` → ``+86 138****5678``: enough to recognise, not enough to use."""
    import phonenumbers

    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return "****"
    national = phonenumbers.national_significant_number(number)
    if len(national) <= 4:
        return f"+{number.country_code} ****"
    keep_head = 3 if len(national) >= 10 else 2
    hidden = len(national) - keep_head - 4
    return f"+{number.country_code} {national[:keep_head]}{'*' * max(hidden, 1)}{national[-4:]}"


def phone_number_of(*, user) -> str | None:
    """The bound number in E.164, or None. For the two-step sign-in step ("send a code to the bound
    phone")."""
    number = phone_number_query(user=user).values_list("number", flat=True).first()
    return str(number) if number else None


def phone_number_query(*, user):
    """The bound number as a one-column queryset (also a scalar subquery for the overview's one query)."""
    from .models import PhoneBinding

    return PhoneBinding.objects.filter(user=user).order_by("pk").values("number")[:1]


def phone_overview(*, user) -> dict:
    """What the phone page shows (one query)."""
    return phone_card(number=phone_number_of(user=user))


def phone_card(*, number: str | None) -> dict:
    """What the Security overview card and the phone page show, given the bound number."""
    from django.urls import reverse

    return {
        "masked": mask_phone(number) if number else None,
        "bind_url": reverse("phone:manage"),
    }


def sms_challenge_pending(*, user, purpose: str, session_key: str) -> dict | None:
    """The code this session is waiting for, if any: where it went (masked), when it expires, when a new one
    may be asked for, and how many tries are left. Never the code."""
    from django.conf import settings
    from django.utils import timezone

    from .models import SmsChallenge

    challenge = SmsChallenge.objects.filter(user=user, purpose=purpose).first()
    if (
        challenge is None
        or not challenge.number
        or not challenge.sent_at
        or not challenge.belongs_to_session(session_key)
    ):
        return None
    now = timezone.now()
    resend_at = challenge.sent_at + settings.PORTAL_SMS_RESEND_COOLDOWN
    if challenge.locked_until and challenge.locked_until > resend_at:
        resend_at = challenge.locked_until
    return {
        "masked": mask_phone(str(challenge.number)),
        "expires_at": challenge.expires_at,
        "expired": challenge.expires_at is None or now >= challenge.expires_at or not challenge.code_digest,
        "used": challenge.used_at is not None,
        "resend_at": resend_at,
        "can_resend": now >= resend_at,
        "resend_in_seconds": max(0, math.ceil((resend_at - now).total_seconds())),
        "tries_left": max(settings.PORTAL_SMS_CODE_MAX_FAILURES - challenge.failures, 0),
        "tries_used": challenge.failures,
    }


def phone_remove_consequences(*, user) -> tuple[list[str], list[str]] | None:
    """What removing the bound phone stops, and what keeps working; None if no phone is bound."""
    from django.utils.translation import gettext as _

    number = phone_number_of(user=user)
    if number is None:
        return None
    masked = mask_phone(number)
    stops = []
    if user.two_step_enabled:
        stops.append(_("Sign-in codes by text message to %(number)s stop.") % {"number": masked})
    stops += [
        _("You can no longer get a code by text message to reset a forgotten password."),
        _("Text-message notices about your account (such as a password reset) are no longer sent."),
    ]
    keeps = [_("Your authenticator app and recovery codes keep working.")] if user.two_step_enabled else []
    return stops, keeps
