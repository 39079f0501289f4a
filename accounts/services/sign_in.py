"""Sign-in in two steps, and sign-out (docs/security.md items 5, 30, 32).

Invariants:
- A correct password alone never logs anybody in when a second step is due. It leaves a *pending* sign-in in the
  session: the user's id and security stamp, good for ``PORTAL_PENDING_SIGN_IN_TTL`` (10 minutes). That is not a
  login: ``request.user`` stays anonymous.
- The session key changes after the password step and again when the sign-in completes.
- Only ``sign_in_complete`` calls ``django.contrib.auth.login``.

The user actions are in ``accounts/flows.py`` (the password step) and ``security/two_factor/flows.py`` (the second
step); these are the services they call.
"""

from datetime import datetime

from django.conf import settings
from django.contrib import auth
from django.db import transaction
from django.utils import timezone, translation

from accounts import events
from accounts.models import User
from security.audit import security_event_record
from security.client import Client
from security.reauth import reauth_mark_fresh
from security.sessions.services import SIGNED_IN_AT_KEY

PENDING_KEY = "pending_sign_in"


def second_step_required(user: User) -> bool:
    return user.two_step_enabled


def sign_in_pending_start(request, user: User, *, next_url: str | None = None) -> None:
    """A second step is due: a new session key, and the pending state (with ``next_url``, already checked to be on
    this site) in the session. Not a login."""
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user_id": user.pk,
        "stamp": user.security_stamp,
        "backend": user.backend,
        "started_at": timezone.now().isoformat(),
        "next": next_url or "",
    }


def pending_sign_in_next(request) -> str:
    """Where the user was going when the sign-in began (e.g. the admin), to continue there after the code."""
    pending = request.session.get(PENDING_KEY)
    return pending.get("next", "") if isinstance(pending, dict) else ""


def pending_sign_in_user(request) -> User | None:
    """The user who passed the password step in this session, if that was less than 10 minutes ago."""
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    try:
        started_at = datetime.fromisoformat(pending["started_at"])
        user = User.objects.get(pk=pending["user_id"], is_active=True)
    except (KeyError, TypeError, ValueError, User.DoesNotExist):
        sign_in_abandon(request)
        return None
    if timezone.now() - started_at > settings.PORTAL_PENDING_SIGN_IN_TTL or user.security_stamp != pending.get("stamp"):
        sign_in_abandon(request)
        return None
    user.backend = pending.get("backend")
    return user


def sign_in_abandon(request) -> None:
    request.session.pop(PENDING_KEY, None)


@transaction.atomic
def sign_in_complete(request, user: User, *, second_factor: str | None = None) -> None:
    """The one place that logs a user in. ``auth.login`` rotates the session key."""
    sign_in_abandon(request)
    auth.login(request, user, backend=getattr(user, "backend", None))
    request.session[SIGNED_IN_AT_KEY] = timezone.now().isoformat()
    if second_factor:
        reauth_mark_fresh(request, method=second_factor)
    elif not user.two_step_enabled:
        reauth_mark_fresh(request, method="password")
    if not user.language:
        user.language = translation.get_language() or settings.LANGUAGE_CODE
        user.save(update_fields=["language"])
    security_event_record(
        user=user,
        actor=user,
        kind=events.SIGNED_IN,
        client=Client.from_request(request),
        details={"second_factor": second_factor} if second_factor else {},
    )


def sign_out(request) -> None:
    """Ends the session on the server: ``auth.logout`` deletes the session row, not just the cookie."""
    user = request.user if request.user.is_authenticated else None
    if user is not None:
        security_event_record(user=user, actor=user, kind=events.SIGNED_OUT, client=Client.from_request(request))
    auth.logout(request)
