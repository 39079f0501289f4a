"""Reads for the Security overview and the activity page. Query counts do not grow with the user's data."""

from security.app_passwords.selectors import app_password_overview
from security.audit import event_description
from security.client import describe_user_agent
from security.models import ActorKind, SecurityEvent
from security.phone.selectors import phone_overview
from security.trusted_devices.selectors import trusted_device_overview
from security.two_factor.selectors import two_step_overview

RECENT_EVENTS_ON_OVERVIEW = 5


def security_events_recent_for(*, user, limit: int) -> list[dict]:
    events = SecurityEvent.objects.filter(user=user).order_by("-created_at", "-id")[:limit]
    return [
        {
            "description": event_description(event.kind, event.details),
            "created_at": event.created_at,
            "ip_address": event.ip_address,
            "device": describe_user_agent(event.user_agent) if event.user_agent else "",
            "actor_kind": event.get_actor_kind_display(),
            "by_helpdesk": event.actor_kind == ActorKind.STAFF,
            "reason": (event.details or {}).get("reason", "") if event.actor_kind == ActorKind.STAFF else "",
        }
        for event in events
    ]


def security_overview_for(*, user) -> dict:
    from accounts.services.recovery import recovery_channels_for

    phone = phone_overview(user=user)
    return {
        "two_step": two_step_overview(user=user),
        "phone": phone,
        "app_passwords": app_password_overview(user=user),
        "trusted_devices": trusted_device_overview(user=user),
        "recent_events": security_events_recent_for(user=user, limit=RECENT_EVENTS_ON_OVERVIEW),
        "recovery": recovery_channels_for(user=user, has_phone=phone["masked"] is not None),
    }
