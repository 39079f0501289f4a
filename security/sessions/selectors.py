"""Reads for the signed-in sessions. A fixed number of queries, whatever the user has."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from security.client import describe_user_agent

from .models import UserSession


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
