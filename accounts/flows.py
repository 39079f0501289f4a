"""The sign-in's first step as one flow (``portal/flows.py`` says what a flow returns). The second step's flows are
in ``security/two_factor/flows.py``.

Invariants:
- Called only after ``account_password_check`` accepted the password (the sign-in form runs it).
- Without two-step verification the user is signed in; with it, a registered skip (a trusted device,
  ``accounts/second_step.py``) may replace the code, otherwise the session holds a pending sign-in and the user
  goes to the second step. All of it is one transaction: a failure half-way leaves no sign-in and no event.
- Where to go is settled before anything is done, so a bad ``next`` cannot fail a sign-in half-way.
"""

from django.conf import settings
from django.db import transaction
from django.shortcuts import resolve_url
from django.urls import reverse

from accounts.models import User
from accounts.second_step import second_step_skip
from accounts.services.sign_in import second_step_required, sign_in_complete, sign_in_pending_start
from portal.flows import FlowResult
from portal.http import local_path
from security.client import Client


def sign_in_with_password(request, *, user: User, next_url: str | None) -> FlowResult:
    """The password was right: sign in, or skip the code on a trusted browser, or go on to the second step."""
    done = local_path(next_url) or resolve_url(settings.LOGIN_REDIRECT_URL)
    with transaction.atomic():
        if not second_step_required(user):
            sign_in_complete(request, user)
            return FlowResult(redirect_to=done)
        decision = second_step_skip(request=request, user=user, client=Client.from_request(request))
        if decision.skip:
            sign_in_complete(request, user)
            return FlowResult(redirect_to=done, cookies=decision.cookies)
        sign_in_pending_start(request, user, next_url=local_path(next_url))
        return FlowResult(redirect_to=reverse("two_factor:verify"), cookies=decision.cookies)
