"""The "Forgot password?" pages. Each view checks its form and calls one service of accounts.recovery.services."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from accounts.recovery import services as recovery
from accounts.recovery.forms import RecoveryCodeForm, RecoveryPasswordForm, RecoverySecondFactorForm, RecoveryStartForm
from security.client import Client

NEXT_URLS = {
    recovery.NEXT_SECOND_FACTOR: "recovery:second_factor",
    recovery.NEXT_PASSWORD: "recovery:password",
    recovery.NEXT_HELPDESK: "recovery:helpdesk",
}


def _restart(request, error):
    messages.error(request, error.message)
    return redirect("recovery:start")


@csrf_protect
@never_cache
def recovery_start_view(request):
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = RecoveryStartForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            recovery.recovery_start(
                session=request.session,
                address=form.cleaned_data["username"],
                channel=form.cleaned_data["channel"],
                client=Client.from_request(request),
            )
        except recovery.RecoveryError as error:
            return render(request, "accounts/recovery/start.html", {"form": form, "error": error.message}, status=429)
        return redirect("recovery:code")
    return render(request, "accounts/recovery/start.html", {"form": form}, status=400 if form.errors else 200)


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def recovery_code_view(request):
    state = recovery.recovery_state_of(request.session)
    if state is None:
        messages.error(request, recovery.MSG_RESTART)
        return redirect("recovery:start")
    form = RecoveryCodeForm(data=request.POST if request.method == "POST" else None)
    error, status = None, 200
    if request.method == "POST" and form.is_valid():
        try:
            step = recovery.recovery_code_verify(
                session=request.session, code=form.cleaned_data["code"], client=Client.from_request(request)
            )
        except recovery.RecoveryError as refused:
            if refused.restart:
                return _restart(request, refused)
            error, status = refused.message, refused.status
        else:
            return redirect(NEXT_URLS[step])
    elif form.errors:
        status = 400
    context = {
        "form": form,
        "error": error,
        "address": state.address,
        "channel": state.channel,
        "minutes": recovery.recovery_code_minutes(state.channel),
    }
    return render(request, "accounts/recovery/code.html", context, status=status)


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def recovery_second_factor_view(request):
    step = recovery.recovery_next_step(session=request.session)
    if step != recovery.NEXT_SECOND_FACTOR:
        return redirect(NEXT_URLS[step]) if step else redirect("recovery:start")
    user = recovery.recovery_user_for(session=request.session)
    methods = recovery.second_factor_methods_for(user=user)
    form = RecoverySecondFactorForm(methods, data=request.POST if request.method == "POST" else None)
    error, status = None, 200
    if request.method == "POST" and form.is_valid():
        try:
            recovery.recovery_second_factor_verify(
                session=request.session,
                method_key=form.cleaned_data["method"],
                code=form.cleaned_data["code"],
                client=Client.from_request(request),
            )
        except recovery.RecoveryError as refused:
            if refused.restart:
                return _restart(request, refused)
            error, status = refused.message, refused.status
        else:
            return redirect("recovery:password")
    elif form.errors:
        status = 400
    return render(request, "accounts/recovery/second_factor.html", {"form": form, "error": error}, status=status)


@sensitive_post_parameters()
@csrf_protect
@never_cache
def recovery_password_view(request):
    step = recovery.recovery_next_step(session=request.session)
    if step != recovery.NEXT_PASSWORD:
        return redirect(NEXT_URLS[step]) if step else redirect("recovery:start")
    user = recovery.recovery_user_for(session=request.session)
    form = RecoveryPasswordForm(user, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            recovery.recovery_complete(
                session=request.session,
                new_password=form.cleaned_data["new_password"],
                client=Client.from_request(request),
            )
        except recovery.RecoveryError as refused:
            return _restart(request, refused)
        messages.success(
            request, _("Your password was reset and every session was signed out. Sign in with the new password.")
        )
        return redirect(settings.LOGIN_URL)
    return render(request, "accounts/recovery/password.html", {"form": form}, status=400 if form.errors else 200)


@never_cache
def recovery_helpdesk_view(request):
    if recovery.recovery_next_step(session=request.session) != recovery.NEXT_HELPDESK:
        return redirect("recovery:start")
    return render(request, "accounts/recovery/helpdesk.html")
