"""Reads for trusted devices. A fixed number of queries, whatever the user has."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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


def trusted_device_overview(*, count: int) -> dict:
    """What the Security overview card shows, given the count of ``trusted_devices_active_for`` (the overview reads
    it with the other cards' figures in one query)."""
    return {"count": count, "manage_url": reverse("trusted_devices:list")}


def _device_title(device: dict) -> str:
    return device["name"] or device["description"]


def trusted_device_revoke_consequences(*, user, device_id: int, current_id: int | None) -> list[str] | None:
    """What forgetting one trusted device changes, or None if it is not (or no longer) trusted."""
    device = next((d for d in trusted_device_list_for(user=user, current_id=current_id) if d["id"] == device_id), None)
    if device is None:
        return None
    if device["current"]:
        return [_("This browser will be asked for a code at your next sign-in.")]
    return [_("%(device)s will be asked for a code at its next sign-in.") % {"device": _device_title(device)}]


def trusted_devices_revoke_all_consequences(*, user) -> list[str] | None:
    devices = trusted_device_list_for(user=user, current_id=None)
    if not devices:
        return None
    return [
        _("%(device)s will be asked for a code at its next sign-in.") % {"device": _device_title(device)}
        for device in devices
    ]


def password_change_forgets_devices(*, user, current_key: str | None) -> str:
    devices = trusted_devices_active_for(user=user).count()
    if not devices:
        return _("Trusted devices are forgotten: they will be asked for a code again.")
    return ngettext(
        "Your %(count)d trusted device is forgotten: it will be asked for a code again.",
        "Your %(count)d trusted devices are forgotten: they will be asked for a code again.",
        devices,
    ) % {"count": devices}
