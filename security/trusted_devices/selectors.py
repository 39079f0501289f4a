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
