"""Per request: end sessions past the absolute limit and keep the session registry current
(docs/security.md items 31, 32).

The idle limit is Django's own: ``SESSION_COOKIE_AGE`` with ``SESSION_SAVE_EVERY_REQUEST``. The absolute limit counts
from ``sign_in_complete`` (``signed_in_at`` in the session) and is checked here on every signed-in request.
"""

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
