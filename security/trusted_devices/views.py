"""Trusted devices and signed-in sessions pages. Views check a form, call one service, and redirect or render.

Revoking and ending only take privileges away, so they need a signed-in user but no fresh second factor.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from security.client import Client

from . import services
from .forms import TrustedDeviceRenameForm
from .selectors import trusted_device_list_for, user_session_list_for


def _current_device_id(request) -> int | None:
    cookie = request.COOKIES.get(services.trusted_device_cookie_name())
    return services.trusted_device_current_id(user=request.user, cookie_value=cookie)


def _render_list(request, *, rename_form=None, rename_id=None, status=200):
    context = {
        "devices": trusted_device_list_for(user=request.user, current_id=_current_device_id(request)),
        "rename_form": rename_form,
        "rename_id": rename_id,
    }
    return render(request, "security/trusted_devices/list.html", context, status=status)


@login_required
def device_list(request):
    return _render_list(request)


@require_POST
@login_required
def device_rename(request, device_id: int):
    form = TrustedDeviceRenameForm(request.POST)
    if not form.is_valid():
        return _render_list(request, rename_form=form, rename_id=device_id, status=400)
    if services.trusted_device_rename(
        user=request.user, device_id=device_id, name=form.cleaned_data["name"], client=Client.from_request(request)
    ):
        messages.success(request, _("Device renamed."))
    else:
        messages.error(request, _("That device is no longer trusted."))
    return redirect("trusted_devices:list")


@require_POST
@login_required
def device_revoke(request, device_id: int):
    if services.trusted_device_revoke(user=request.user, device_id=device_id, client=Client.from_request(request)):
        messages.success(
            request, _("The device is no longer trusted. It will be asked for a code at the next sign-in.")
        )
    else:
        messages.error(request, _("That device is no longer trusted."))
    return redirect("trusted_devices:list")


@require_POST
@login_required
def device_revoke_all(request):
    count = services.trusted_devices_revoke_all(
        user=request.user, client=Client.from_request(request), actor=request.user
    )
    messages.success(
        request,
        _("No device is trusted any more (%(count)d revoked).") % {"count": count},
    )
    return redirect("trusted_devices:list")


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


@require_POST
@login_required
def sessions_end_others(request):
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
