"""Per request: apply the trusted-device cookie changes decided during the request (SECURITY.md 27)."""

from . import services
from .services import COOKIE_CLEAR_ATTR, COOKIE_SET_ATTR


class TrustedDeviceCookieMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        to_set = getattr(request, COOKIE_SET_ATTR, None)
        if to_set is not None:
            value, expires_at = to_set
            services.trusted_device_cookie_set(response, value=value, expires_at=expires_at)
        elif getattr(request, COOKIE_CLEAR_ATTR, False):
            services.trusted_device_cookie_clear(response)
        return response
