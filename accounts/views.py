"""Sign-in, sign-out, password change and language. Views check forms and call one service each."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from accounts.flows import sign_in_with_password
from accounts.forms import PasswordChangeForm, SignInForm
from accounts.services.passwords import password_change, password_change_consequences_for
from accounts.services.profile import user_language_set
from accounts.services.sign_in import sign_out
from portal.flows import flow_redirect
from portal.http import safe_next_url


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def sign_in(request):
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    next_url = safe_next_url(request)
    form = SignInForm(request, data=request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            return flow_redirect(request, sign_in_with_password(request, user=form.user, next_url=next_url))
        if form.wait_seconds:
            waiting = SignInForm(request)
            waiting.data = {"username": form.cleaned_data.get("username", "")}
            context = {"form": waiting, "wait_message": form.password_check.wait_message, "next": next_url}
            return render(request, "accounts/sign_in.html", context, status=429)
        status = 400
    return render(request, "accounts/sign_in.html", {"form": form, "next": next_url}, status=status)


def locked_out(request, credentials, *args, **kwargs):
    """AXES_LOCKOUT_CALLABLE: the same page whether or not the account exists."""
    return render(request, "accounts/locked.html", status=429)


@require_POST
def sign_out_view(request):
    sign_out(request)
    messages.success(request, _("You have signed out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


@sensitive_post_parameters()
@login_required
@never_cache
def password_change_view(request):
    form = PasswordChangeForm(request.user, data=request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            check = password_change(
                request,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password"],
            )
            if check.ok:
                messages.success(request, _("Your password was changed. Your other sessions have been signed out."))
                return redirect("security:overview")
            status = form.current_password_refused(check)
    context = {
        "form": form,
        # "This wasn't me" on the activity page leads here: one place that changes the password and ends the rest.
        "securing": request.GET.get("secure") == "1",
        "consequences": password_change_consequences_for(
            user=request.user, current_key=request.session.session_key
        ),
    }
    return render(request, "accounts/password_change.html", context, status=status)


@require_POST
def set_language(request):
    """Django's switcher (it sets the cookie), plus remembering the choice on the account for e-mails."""
    response = django_set_language(request)
    if request.user.is_authenticated:
        user_language_set(user=request.user, language=request.POST.get("language", ""))
    return response
