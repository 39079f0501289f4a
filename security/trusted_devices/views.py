"""Trusted devices pages (the sessions pages are ``security.sessions.views``). Views check a form, call one service,
and redirect or render.

Revoking only take privileges away, so it needs a signed-in user but no fresh second factor.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from security.client import Client
from security.confirmation import Confirmation, confirmation_page, destroy_confirmed

from . import services
from .forms import TrustedDeviceRenameForm
from .selectors import (
    trusted_device_list_for,
    trusted_device_revoke_consequences,
    trusted_devices_revoke_all_consequences,
)


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


@require_http_methods(["GET", "POST"])
@login_required
def device_revoke(request, device_id: int):
    if not destroy_confirmed(request):
        consequences = trusted_device_revoke_consequences(
            user=request.user, device_id=device_id, current_id=_current_device_id(request)
        )
        if consequences is None:
            messages.error(request, _("That device is no longer trusted."))
            return redirect("trusted_devices:list")
        return confirmation_page(
            request,
            Confirmation(
                title=_("Forget this device?"),
                consequences=consequences,
                keeps=[_("Sessions already signed in on it stay signed in; end them on “Where you are signed in”.")],
                button=_("Forget this device"),
                cancel_url=reverse("trusted_devices:list"),
            ),
        )
    if services.trusted_device_revoke(user=request.user, device_id=device_id, client=Client.from_request(request)):
        messages.success(
            request, _("The device is no longer trusted. It will be asked for a code at the next sign-in.")
        )
    else:
        messages.error(request, _("That device is no longer trusted."))
    return redirect("trusted_devices:list")


@require_http_methods(["GET", "POST"])
@login_required
def device_revoke_all(request):
    if not destroy_confirmed(request):
        consequences = trusted_devices_revoke_all_consequences(user=request.user)
        if consequences is None:
            return redirect("trusted_devices:list")
        return confirmation_page(
            request,
            Confirmation(
                title=_("Forget all trusted devices?"),
                consequences=consequences,
                keeps=[_("Sessions already signed in stay signed in; end them on “Where you are signed in”.")],
                button=_("Forget all trusted devices"),
                cancel_url=reverse("trusted_devices:list"),
            ),
        )
    count = services.trusted_devices_revoke_all(
        user=request.user, client=Client.from_request(request), actor=request.user
    )
    messages.success(
        request,
        _("No device is trusted any more (%(count)d revoked).") % {"count": count},
    )
    return redirect("trusted_devices:list")
