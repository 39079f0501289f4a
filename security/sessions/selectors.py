"""Reads for the signed-in sessions. A fixed number of queries, whatever the user has."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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


def password_change_ends_sessions(*, user, current_key: str | None) -> str:
    """The password page's sentence on sessions (``accounts.services.passwords.password_change_consequences_for``)."""
    others = sum(1 for s in user_session_list_for(user=user, current_key=current_key) if not s["current"])
    if not others:
        return _("You stay signed in here; any other session is signed out.")
    return ngettext(
        "You stay signed in here; your %(count)d other session is signed out.",
        "You stay signed in here; your %(count)d other sessions are signed out.",
        others,
    ) % {"count": others}


def sessions_end_others_consequences(*, user, current_key: str | None) -> list[str]:
    others = [s for s in user_session_list_for(user=user, current_key=current_key) if not s["current"]]
    if not others:
        return [_("You are not signed in anywhere else right now, so nothing else changes.")]
    return [
        _("%(device)s (%(ip)s) is signed out and must sign in again.")
        % {"device": session["description"], "ip": session["ip_address"] or "–"}
        for session in others
    ]
