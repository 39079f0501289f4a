"""Reads for trusted devices. A fixed number of queries, whatever the user has."""

from django.urls import reverse
from django.utils import timezone

from security.client import describe_user_agent

from .models import TrustedDevice


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


def trusted_device_overview(*, user) -> dict:
    """What the Security overview card shows."""
    return {"count": trusted_devices_active_for(user=user).count(), "manage_url": reverse("trusted_devices:list")}
