"""Per request: end sessions past the absolute limit and keep the session registry current
(docs/security.md items 31, 32).

The idle limit is the session's expiry, ``SESSION_COOKIE_AGE`` after it was last saved. ``SessionIdleRefreshMiddleware``
saves an unchanged session again once its last save is ``PORTAL_SESSION_ACTIVITY_WRITE_SECONDS`` old, rather than on
every request (``SESSION_SAVE_EVERY_REQUEST`` would cost every page a write and a commit): a session idle for
``SESSION_COOKIE_AGE`` always ends, and one may end up to that minute sooner, never later. The absolute limit counts
from ``sign_in_complete`` (``signed_in_at`` in the session) and is checked here on every signed-in request.
"""

import time
from datetime import datetime

from django.conf import settings
from django.contrib import auth
from django.utils import timezone

from security.audit import security_event_record
from security.client import Client

from . import events, services
from .services import SIGNED_IN_AT_KEY


def _past_absolute_limit(request) -> bool:
    try:
        signed_in_at = datetime.fromisoformat(request.session[SIGNED_IN_AT_KEY])
    except (KeyError, TypeError, ValueError):
        return False
    return timezone.now() - signed_in_at > settings.PORTAL_SESSION_ABSOLUTE


class SessionRegistryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if _past_absolute_limit(request):
                security_event_record(
                    user=user, actor=user, kind=events.SESSION_EXPIRED, client=Client.from_request(request)
                )
                auth.logout(request)
            else:
                services.user_session_touch(request=request)
        return self.get_response(request)


SESSION_REFRESHED_AT_KEY = "session_refreshed_at"


class SessionIdleRefreshMiddleware:
    """Right after Django's ``SessionMiddleware``: pushes a session's expiry forward (a save, and the cookie sent
    again) when its last save is older than ``PORTAL_SESSION_ACTIVITY_WRITE_SECONDS``; a session that changed is saved
    by Django anyway. A request without a session cookie, or whose session is gone or was ended, is left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.session_key is None:
            return response
        now = int(time.time())
        refreshed_at = session.get(SESSION_REFRESHED_AT_KEY)  # loads the session if the view did not
        if session.is_empty():  # expired, unknown or flushed (signed out): nothing to keep alive
            return response
        interval = settings.PORTAL_SESSION_ACTIVITY_WRITE_SECONDS
        if session.modified or not isinstance(refreshed_at, int) or now - refreshed_at >= interval:
            session[SESSION_REFRESHED_AT_KEY] = now
        return response
