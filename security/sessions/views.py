"""The signed-in sessions pages (routed under /devices/ with the trusted devices, ``trusted_devices:sessions``).

Ending a session only takes privileges away, so it needs a signed-in user but no fresh second factor.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from security.client import Client
from security.confirmation import Confirmation, confirmation_page, destroy_confirmed

from . import services
from .selectors import sessions_end_others_consequences, user_session_list_for


@login_required
def session_list(request):
    sessions = user_session_list_for(user=request.user, current_key=request.session.session_key)
    return render(request, "security/trusted_devices/sessions.html", {"sessions": sessions})


@require_POST
@login_required
def session_end(request, session_id: int):
    current = request.session.get(services.SESSION_RECORD_KEY)
    if session_id == current:
        messages.error(request, _("To end this session, sign out."))
    elif services.user_session_end(user=request.user, session_id=session_id, client=Client.from_request(request)):
        messages.success(request, _("That session was ended."))
    else:
        messages.error(request, _("That session has already ended."))
    return redirect("trusted_devices:sessions")


@require_http_methods(["GET", "POST"])
@login_required
def sessions_end_others(request):
    if not destroy_confirmed(request):
        return confirmation_page(
            request,
            Confirmation(
                title=_("Sign out everywhere else?"),
                consequences=sessions_end_others_consequences(
                    user=request.user, current_key=request.session.session_key
                ),
                keeps=[
                    _("This session stays signed in."),
                    _("Trusted devices and app passwords keep working; manage them on their own pages."),
                ],
                button=_("Sign out everywhere else"),
                cancel_url=reverse("trusted_devices:sessions"),
            ),
        )
    count = services.user_sessions_end_others(
        user=request.user, keep_session_key=request.session.session_key, client=Client.from_request(request)
    )
    messages.success(
        request,
        ngettext(
            "Signed out everywhere else (%(count)d session ended).",
            "Signed out everywhere else (%(count)d sessions ended).",
            count,
        )
        % {"count": count},
    )
    return redirect("trusted_devices:sessions")
