"""Trusted devices as the sign-in's answer to "may this browser skip the code?" and "remember this browser"
(``accounts/second_step.py``; docs/security.md items 27-29). Registered in ``apps.py``.

Invariants:
- Only a trusted device this browser's cookie proves (``trusted_device_for_sign_in``) skips the code; any other
  cookie is ignored, and cleared when it can never work again for anyone.
- The cookie is handed back as a ``CookieChange``; the view that finishes the sign-in sets it.
"""

from django.conf import settings

from accounts.second_step import SecondStepSkip, SkipAnswer
from portal.flows import CookieChange

from . import services


def trusted_device_cookie(*, value: str, expires_at) -> CookieChange:
    return CookieChange(
        name=services.trusted_device_cookie_name(),
        value=value,
        expires=expires_at,
        secure=settings.SESSION_COOKIE_SECURE,
    )


def trusted_device_cookie_cleared() -> CookieChange:
    return CookieChange(name=services.trusted_device_cookie_name(), delete=True)


def _check(*, request, user, client) -> SkipAnswer:
    cookie = request.COOKIES.get(services.trusted_device_cookie_name())
    if not cookie:
        return SkipAnswer()
    if services.trusted_device_for_sign_in(user=user, cookie_value=cookie, client=client):
        return SkipAnswer(skip=True)
    if services.trusted_device_cookie_is_dead(cookie_value=cookie):
        return SkipAnswer(cookies=(trusted_device_cookie_cleared(),))
    return SkipAnswer()


def _remember(*, request, user, client) -> CookieChange:
    device, value = services.trusted_device_create(
        user=user, client=client, cookie_value=request.COOKIES.get(services.trusted_device_cookie_name())
    )
    return trusted_device_cookie(value=value, expires_at=device.expires_at)


TRUSTED_DEVICE_SKIP = SecondStepSkip(key="trusted_device", check=_check, remember=_remember)
