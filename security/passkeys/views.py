"""Pages to add, rename and remove passkeys. Adding needs a fresh second factor (or the fresh password of a sign-in
without two-step), like setting up the authenticator; the list is the passkey section of the two-step page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from security.client import Client
from security.confirmation import Confirmation, confirmation_page, destroy_confirmed
from security.reauth import reauth_mark_fresh, reauth_required
from security.two_factor.flows import new_recovery_codes_store

from . import services
from .forms import PasskeyAddForm, PasskeyRenameForm
from .models import Passkey


@reauth_required
@never_cache
def add(request):
    """GET: the page whose script opens the browser's dialog; POST: its answer and the key's name."""
    form = PasskeyAddForm(data=request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                added = services.passkey_add(
                    user=request.user,
                    session_key=request.session.session_key,
                    response=form.cleaned_data["response"],
                    name=form.cleaned_data["name"],
                    client=Client.from_request(request),
                )
            except services.PasskeyError as error:
                form.add_error(None, error.message)
            else:
                reauth_mark_fresh(request, method=services.PASSKEY)  # created with the key just now: a fresh factor
                if added.recovery_codes:
                    new_recovery_codes_store(request, added.recovery_codes)
                    messages.success(request, _("Two-step verification is on. Save your recovery codes now."))
                    return redirect("two_factor:recovery_codes")
                messages.success(request, _("Passkey added."))
                return redirect("two_factor:manage")
        status = 400
    options = services.registration_options(request=request, user=request.user)
    return render(request, "security/passkeys/add.html", {"form": form, "options": options}, status=status)


@require_POST
@login_required
def rename(request, passkey_id: int):
    form = PasskeyRenameForm(request.POST)
    if form.is_valid() and services.passkey_rename(
        user=request.user, passkey_id=passkey_id, name=form.cleaned_data["name"], client=Client.from_request(request)
    ):
        messages.success(request, _("Passkey renamed."))
    else:
        messages.error(request, _("That passkey could not be renamed."))
    return redirect("two_factor:manage")


@require_http_methods(["GET", "POST"])
@reauth_required
def remove(request, passkey_id: int):
    passkey = Passkey.objects.filter(user=request.user, pk=passkey_id).first()
    if passkey is None:
        messages.error(request, _("That passkey is no longer registered."))
        return redirect("two_factor:manage")
    if services.passkey_is_last_strong_factor(user=request.user, passkey_id=passkey_id):
        messages.error(
            request,
            _("This is your only passkey and your only strong factor: turning off two-step verification removes it."),
        )
        return redirect("two_factor:disable")
    if not destroy_confirmed(request):
        return confirmation_page(
            request,
            Confirmation(
                title=_("Remove the passkey “%(name)s”?") % {"name": passkey.name},
                consequences=[_("It can no longer be used to sign in or to confirm it's you.")],
                keeps=[_("Your other factors keep working.")],
                button=_("Remove passkey"),
                cancel_url=reverse("two_factor:manage"),
            ),
        )
    try:
        removed = services.passkey_remove(user=request.user, passkey_id=passkey_id, client=Client.from_request(request))
    except services.PasskeyError as error:
        messages.error(request, error.message)
        return redirect("two_factor:disable")
    if removed:
        messages.success(request, _("Passkey removed."))
    return redirect("two_factor:manage")
