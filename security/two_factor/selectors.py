"""Reads for two-step verification. A fixed number of queries, whatever the user has."""

from django.urls import reverse

from .models import AuthenticatorDevice, RecoveryCode


def recovery_codes_remaining(*, user) -> int:
    return RecoveryCode.objects.filter(device__user=user, used_at__isnull=True).count()


def authenticator_for(*, user) -> AuthenticatorDevice | None:
    return AuthenticatorDevice.objects.filter(user=user, confirmed=True).first()


def two_step_overview(*, user) -> dict:
    """What the Security overview card and the two-step page show."""
    factors = []
    authenticator = authenticator_for(user=user)
    if authenticator is not None:
        factors.append(
            {"kind": "totp", "added_at": authenticator.created_at, "last_used_at": authenticator.last_used_at}
        )
    if user.two_step_enabled:
        factors.append({"kind": "recovery", "remaining": recovery_codes_remaining(user=user)})
    return {"enabled": user.two_step_enabled, "factors": factors, "setup_url": reverse("two_factor:manage")}
