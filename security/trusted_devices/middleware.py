"""Per request: end sessions past the absolute limit, keep the session registry current, and apply trusted-device
cookie changes decided during the request (docs/security.md items 27, 31, 32).

The idle limit is Django's own: ``SESSION_COOKIE_AGE`` with ``SESSION_SAVE_EVERY_REQUEST``. The absolute limit counts
from ``sign_in_complete`` (``signed_in_at`` in the session) and is checked here on every signed-in request.
"""

from datetime import datetime

from django.conf import settings
from django.contrib import auth
from django.utils import timezone

from accounts.services.sign_in import SIGNED_IN_AT_KEY
from security.audit import security_event_record
from security.client import Client

from . import events, services
from .services import COOKIE_CLEAR_ATTR, COOKIE_SET_ATTR


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
        response = self.get_response(request)
        to_set = getattr(request, COOKIE_SET_ATTR, None)
        if to_set is not None:
            value, expires_at = to_set
            services.trusted_device_cookie_set(response, value=value, expires_at=expires_at)
        elif getattr(request, COOKIE_CLEAR_ATTR, False):
            services.trusted_device_cookie_clear(response)
        return response
