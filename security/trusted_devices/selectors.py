"""Reads for trusted devices and sessions. A fixed number of queries, whatever the user has."""

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from security.client import describe_user_agent

from .models import TrustedDevice, UserSession


def trusted_devices_active_for(*, user):
    return TrustedDevice.objects.filter(user=user, expires_at__gt=timezone.now(), security_stamp=user.security_stamp)


def trusted_device_list_for(*, user, current_id: int | None) -> list[dict]:
    return [
        {
            "id": device.pk,
            "name": device.name,
            "description": describe_user_agent(device.user_agent),
            "created_at": device.created_at,
            "last_seen_at": device.last_seen_at,
            "last_ip": device.last_ip,
            "expires_at": device.expires_at,
            "current": device.pk == current_id,
        }
        for device in trusted_devices_active_for(user=user).order_by("-last_seen_at", "-id")
    ]


def user_session_list_for(*, user, current_key: str | None) -> list[dict]:
    """Live sessions only: same security stamp, within the idle and absolute limits."""
    now = timezone.now()
    sessions = UserSession.objects.filter(
        user=user,
        security_stamp=user.security_stamp,
        last_activity_at__gt=now - timedelta(seconds=settings.SESSION_COOKIE_AGE),
        signed_in_at__gt=now - settings.PORTAL_SESSION_ABSOLUTE,
    ).order_by("-last_activity_at", "-id")
    return [
        {
            "id": record.pk,
            "description": describe_user_agent(record.user_agent),
            "ip_address": record.ip_address,
            "signed_in_at": record.signed_in_at,
            "last_activity_at": record.last_activity_at,
            "current": record.session_key == current_key,
        }
        for record in sessions
    ]


def trusted_device_overview(*, user) -> dict:
    """What the Security overview card shows."""
    return {"count": trusted_devices_active_for(user=user).count(), "manage_url": reverse("trusted_devices:list")}


def _device_title(device: dict) -> str:
    return device["name"] or device["description"]


def trusted_device_revoke_consequences(*, user, device_id: int, current_id: int | None) -> list[str] | None:
    """What forgetting one trusted device changes, or None if it is not (or no longer) trusted."""
    from django.utils.translation import gettext as _

    device = next((d for d in trusted_device_list_for(user=user, current_id=current_id) if d["id"] == device_id), None)
    if device is None:
        return None
    if device["current"]:
        return [_("This browser will be asked for a code at your next sign-in.")]
    return [_("%(device)s will be asked for a code at its next sign-in.") % {"device": _device_title(device)}]


def trusted_devices_revoke_all_consequences(*, user) -> list[str] | None:
    from django.utils.translation import gettext as _

    devices = trusted_device_list_for(user=user, current_id=None)
    if not devices:
        return None
    return [
        _("%(device)s will be asked for a code at its next sign-in.") % {"device": _device_title(device)}
        for device in devices
    ]


def sessions_end_others_consequences(*, user, current_key: str | None) -> list[str]:
    from django.utils.translation import gettext as _

    others = [s for s in user_session_list_for(user=user, current_key=current_key) if not s["current"]]
    if not others:
        return [_("You are not signed in anywhere else right now, so nothing else changes.")]
    return [
        _("%(device)s (%(ip)s) is signed out and must sign in again.")
        % {"device": session["description"], "ip": session["ip_address"] or "–"}
        for session in others
    ]
