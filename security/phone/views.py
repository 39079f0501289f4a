"""Bind, change and remove a phone. Every view needs a signed-in user and a fresh confirmation
(``@reauth_required``: a second factor when two-step is on, the password when it is off), so SMS is never sent
from an anonymous page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from security.client import Client
from security.confirmation import Confirmation, confirmation_page, destroy_confirmed
from security.reauth import reauth_required
from security.sms import console

from .errors import PhoneError
from .forms import PhoneNumberForm, SmsCodeForm
from .selectors import phone_overview, phone_remove_consequences, sms_challenge_pending
from .services import PURPOSE_BIND, phone_bind_confirm, phone_bind_resend, phone_bind_start, phone_remove


def _session_key(request) -> str:
    if not request.session.session_key:
        request.session.save()
    return request.session.session_key


@login_required
@reauth_required
@never_cache
def manage(request):
    form = PhoneNumberForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            phone_bind_start(
                user=request.user,
                raw_number=form.cleaned_data["number"],
                session_key=_session_key(request),
                client=Client.from_request(request),
            )
        except PhoneError as error:
            form.add_error("number", error.message)
        else:
            return redirect("phone:confirm")
    context = {"form": form, "phone": phone_overview(user=request.user)}
    return render(request, "security/phone/manage.html", context, status=400 if form.errors else 200)


@login_required
@reauth_required
@never_cache
def confirm(request):
    pending = sms_challenge_pending(user=request.user, purpose=PURPOSE_BIND, session_key=_session_key(request))
    if pending is None:
        return redirect("phone:manage")
    form = SmsCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            phone_bind_confirm(
                user=request.user,
                code=form.cleaned_data["code"],
                session_key=_session_key(request),
                client=Client.from_request(request),
            )
        except PhoneError as error:
            form.add_error("code", error.message)
            pending = sms_challenge_pending(user=request.user, purpose=PURPOSE_BIND, session_key=_session_key(request))
        else:
            messages.success(request, _("Your phone %(number)s is bound.") % {"number": pending["masked"]})
            return redirect("security:overview")
    context = {"form": form, "pending": pending}
    return render(request, "security/phone/confirm.html", context, status=400 if form.errors else 200)


@require_POST
@login_required
@reauth_required
def resend(request):
    try:
        phone_bind_resend(user=request.user, session_key=_session_key(request), client=Client.from_request(request))
    except PhoneError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("A new code is on its way. The old one no longer works."))
    return redirect("phone:confirm")


@require_http_methods(["GET", "POST"])
@login_required
@reauth_required
def remove(request):
    if not destroy_confirmed(request):
        effects = phone_remove_consequences(user=request.user)
        if effects is None:
            messages.error(request, _("No phone is bound to your account."))
            return redirect("phone:manage")
        stops, keeps = effects
        return confirmation_page(
            request,
            Confirmation(
                title=_("Remove this phone?"),
                consequences=stops,
                keeps=keeps,
                button=_("Remove this phone"),
                cancel_url=reverse("phone:manage"),
            ),
        )
    try:
        phone_remove(user=request.user, client=Client.from_request(request))
    except PhoneError as error:
        messages.error(request, error.message)
        return redirect("phone:manage")
    messages.success(request, _("Your phone number was removed."))
    return redirect("security:overview")


@login_required
@never_cache
def dev_outbox(request):
    """Development only: the console gateway's recent messages. 404 unless DEBUG is on."""
    if not settings.DEBUG:
        raise Http404
    # Only this user's: anyone may start binding someone else's number, and the codes sent for that account
    # (sign-in included) must not show on their page.
    return render(
        request, "security/phone/dev_outbox.html", {"messages_sent": console.recent_for(user_id=request.user.pk)}
    )
