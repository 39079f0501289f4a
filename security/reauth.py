"""Fresh authentication for sensitive actions ("sudo mode", docs/security.md items 20, 22, 29).

Invariants:
- A sensitive view is wrapped in ``@reauth_required``. It runs only if the user proved themselves in this session
  within ``PORTAL_REAUTH_TTL`` (10 minutes): with a second factor when two-step verification is on, with the
  password when it is off. A trusted device never counts.
- ``reauth_mark_fresh`` is the only writer of the timestamp. It is called by the sign-in flow right after a
  password-only sign-in (two-step off) or a second-factor sign-in, and by the re-authentication page.
"""

from datetime import datetime
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

FRESH_KEY = "reauth_at"
FRESH_METHOD_KEY = "reauth_method"


def reauth_mark_fresh(request, *, method: str) -> None:
    """``method`` is ``"password"`` or the second factor used (``"totp"``, ``"sms"``, ``"recovery"``)."""
    request.session[FRESH_KEY] = timezone.now().isoformat()
    request.session[FRESH_METHOD_KEY] = method


def reauth_is_fresh(request) -> bool:
    try:
        at = datetime.fromisoformat(request.session[FRESH_KEY])
    except (KeyError, TypeError, ValueError):
        return False
    if request.user.two_step_enabled and request.session.get(FRESH_METHOD_KEY) == "password":
        return False  # two-step was turned on since: only a second factor counts now
    return timezone.now() - at <= settings.PORTAL_REAUTH_TTL


def reauth_url(next_url: str) -> str:
    return f"{reverse('security:reauth')}?{urlencode({'next': next_url})}"


def reauth_required(view):
    """For signed-in views: send the user to confirm it's them first, then back to where they were going.

    On a POST that arrives stale, nothing is done: the user confirms and then submits again."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': request.get_full_path()})}")
        if not reauth_is_fresh(request):
            return redirect(reauth_url(request.get_full_path()))
        return view(request, *args, **kwargs)

    return wrapper
