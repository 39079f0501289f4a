"""Pages of two-step verification. Each view checks a form, calls one service, and redirects or renders.

Pages that show a TOTP secret, its QR code or recovery codes are ``never_cache`` (``Cache-Control: no-store``),
and no secret ever goes into a URL: the pending secret and freshly issued codes stay sealed in the session.
"""

import json

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts.forms import CurrentPasswordForm
from accounts.services.passwords import Purpose
from accounts.services.sign_in import pending_sign_in_next, pending_sign_in_user, sign_in_complete
from portal.http import safe_next_url, safe_redirect
from security.client import Client
from security.reauth import FRESH_METHOD_KEY, reauth_mark_fresh, reauth_required, reauth_url
from security.trusted_devices import services as trusted_devices

from . import crypto, methods
from .forms import AuthenticatorCodeForm
from .selectors import authenticator_for, recovery_codes_remaining, two_step_overview
from .services import (
    REAUTH,
    SIGN_IN,
    SecondStepError,
    authenticator_enroll,
    recovery_codes_regenerate,
    second_factor_challenge,
    second_factor_verify,
    two_step_disable,
)

SETUP_KEY = "two_step_setup"
NEW_CODES_KEY = "two_step_new_recovery_codes"


def _ttl_seconds() -> int:
    return int(settings.PORTAL_TWO_STEP_SETUP_TTL.total_seconds())


# --- The second step: sign-in and re-authentication share one page shape ------------------------------------
def _second_step(request, *, user, purpose: str, template: str, on_success, extra: dict | None = None):
    available = methods.methods_available_for(user)
    context = {"available": available, **(extra or {})}
    if not available:
        return render(request, template, {**context, "no_methods": True}, status=409)
    wanted = request.POST.get("method") or request.GET.get("method")
    method = next((m for m in available if m.key == wanted), available[0])
    status = 200
    if request.method == "POST" and request.POST.get("action") == "challenge":
        # "Send me a code" (SMS): nothing is verified on this submit.
        form = method.form_class()
        try:
            message = second_factor_challenge(
                request=request, user=user, method_key=method.key, client=Client.from_request(request)
            )
        except SecondStepError as error:
            context["challenge_error"] = error.message
            status = error.status
        else:
            context["challenge_message"] = message
        context.update({"form": form, "method": method, "others": [m for m in available if m is not method]})
        return render(request, template, context, status=status)
    form = method.form_class(data=request.POST if request.method == "POST" else None)
    if request.method == "POST":
        status = 400
        if form.is_valid():
            # One transaction with what success does: a request that fails after the code was accepted leaves
            # the step unused, and no sign-in, session or trusted device behind. A refusal is caught inside, so
            # its failure count commits.
            with transaction.atomic():
                try:
                    device = second_factor_verify(
                        user=user,
                        method_key=method.key,
                        code=form.cleaned_data["code"],
                        client=Client.from_request(request),
                        purpose=purpose,
                        session_key=request.session.session_key,
                    )
                except SecondStepError as error:
                    form.add_error("code", error.message)
                    status = error.status
                else:
                    return on_success(device, method)
    context.update({"form": form, "method": method, "others": [m for m in available if m is not method]})
    return render(request, template, context, status=status)


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def verify(request):
    """After a correct password: ask for a second factor. The pending state expires after 10 minutes."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    user = pending_sign_in_user(request)
    if user is None:
        messages.error(request, _("Your sign-in has expired. Enter your password again."))
        return redirect("accounts:sign_in")

    # Settled before the code is checked: a bad target cannot fail the sign-in after the step was used.
    done = safe_redirect(pending_sign_in_next(request), settings.LOGIN_REDIRECT_URL)

    def success(device, method):
        sign_in_complete(request, user, second_factor=method.key)
        if device is not None:
            django_otp.login(request, device)
        if request.POST.get("remember") == "on":
            cookie_name = trusted_devices.trusted_device_cookie_name()
            trusted, value = trusted_devices.trusted_device_create(
                user=user, client=Client.from_request(request), cookie_value=request.COOKIES.get(cookie_name)
            )
            setattr(request, trusted_devices.COOKIE_SET_ATTR, (value, trusted.expires_at))
        return done

    extra = {
        "signing_in_as": user.email,
        "offer_trust": True,
        "trust_days": settings.PORTAL_TRUSTED_DEVICE_DAYS,
        "remember": request.POST.get("remember") == "on",
    }
    return _second_step(
        request, user=user, purpose=SIGN_IN, template="security/two_factor/verify.html", on_success=success, extra=extra
    )


@sensitive_post_parameters()
@login_required
@never_cache
def reauth(request):
    """Confirm it's you before a sensitive action (URL name ``security:reauth``): a second factor when two-step
    verification is on, the password when it is off."""
    next_url = safe_next_url(request, "/")
    if request.user.two_step_enabled:

        def success(device, method):
            reauth_mark_fresh(request, method=method.key)
            if device is not None:
                django_otp.login(request, device)
            return safe_redirect(next_url, "/")

        return _second_step(
            request,
            user=request.user,
            purpose=REAUTH,
            template="security/reauth.html",
            on_success=success,
            extra={"next": next_url, "second_factor": True},
        )
    form = CurrentPasswordForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        reauth_mark_fresh(request, method="password")
        return safe_redirect(next_url, "/")
    return render(request, "security/reauth.html", {"form": form, "next": next_url}, status=form.status)


# --- Managing two-step verification ------------------------------------------------------------------------
@login_required
def manage(request):
    return render(request, "security/two_factor/manage.html", {"two_step": two_step_overview(user=request.user)})


def _pending_secret(request) -> bytes | None:
    sealed = request.session.get(SETUP_KEY)
    if not isinstance(sealed, str):
        return None
    try:
        return crypto.unseal(sealed, max_age_seconds=_ttl_seconds())
    except crypto.InvalidToken:
        return None


def _store_new_codes(request, codes: list[str]) -> None:
    request.session[NEW_CODES_KEY] = crypto.seal(json.dumps(codes).encode())


def _new_codes(request) -> list[str] | None:
    sealed = request.session.get(NEW_CODES_KEY)
    if not isinstance(sealed, str):
        return None
    try:
        return json.loads(crypto.unseal(sealed, max_age_seconds=_ttl_seconds()))
    except (crypto.InvalidToken, ValueError):
        request.session.pop(NEW_CODES_KEY, None)
        return None


@sensitive_post_parameters("code")
@reauth_required
@never_cache
def setup(request):
    """Turn on two-step verification with an authenticator app, or replace the app (fresh factor required)."""
    user = request.user
    secret = _pending_secret(request)
    form = AuthenticatorCodeForm(data=request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if secret is None:
            if user.two_step_enabled and _new_codes(request) is not None:
                return redirect("two_factor:recovery_codes")  # a repeat of a confirm that already worked
            form.add_error(None, _("This setup page expired. Scan the new QR code and enter a new code."))
        elif form.is_valid():
            try:
                result = authenticator_enroll(
                    user=user,
                    secret=secret,
                    code=form.cleaned_data["code"],
                    client=Client.from_request(request),
                )
            except SecondStepError as error:
                form.add_error("code", error.message)
            else:
                request.session.pop(SETUP_KEY, None)
                django_otp.login(request, result.device)
                reauth_mark_fresh(request, method=methods.TOTP)
                if result.recovery_codes:
                    _store_new_codes(request, result.recovery_codes)
                    messages.success(request, _("Two-step verification is on. Save your recovery codes now."))
                    return redirect("two_factor:recovery_codes")
                if result.changed:
                    messages.success(request, _("Your new authenticator app is set up. The old one no longer works."))
                return redirect("two_factor:manage")
    if secret is None:
        secret = crypto.totp_secret_new()
        request.session[SETUP_KEY] = crypto.seal(secret)
    uri = crypto.otpauth_uri(secret=secret, account=user.email, issuer=settings.PORTAL_TOTP_ISSUER)
    context = {
        "form": form,
        "qr_svg": crypto.qr_svg(uri),
        "otpauth_uri": uri,  # "add to authenticator app" on the phone that shows the QR code
        "secret_text": crypto.totp_secret_for_display(secret),
        "replacing": authenticator_for(user=user) is not None,
        "issuer": settings.PORTAL_TOTP_ISSUER,
    }
    return render(request, "security/two_factor/setup.html", context, status=status)


@reauth_required
@never_cache
def recovery_codes(request):
    """Newly issued codes (shown only in the session that issued them, for 10 minutes), or how many are left."""
    if not request.user.two_step_enabled:
        return redirect("two_factor:manage")
    if request.method == "POST":  # "I have saved them": they are never shown again
        request.session.pop(NEW_CODES_KEY, None)
        return redirect("two_factor:manage")
    context = {"codes": _new_codes(request), "remaining": recovery_codes_remaining(user=request.user)}
    return render(request, "security/two_factor/recovery_codes.html", context)


@reauth_required
@never_cache
def recovery_codes_download(request):
    codes = _new_codes(request)
    if not codes:
        messages.error(request, _("Those recovery codes can no longer be shown. Generate new ones if you need to."))
        return redirect("two_factor:recovery_codes")
    body = render_to_string("security/two_factor/recovery_codes.txt", {"codes": codes}, request=request)
    response = HttpResponse(body.replace("\n", "\r\n"), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="recovery-codes.txt"'
    return response


@require_POST
@reauth_required
@never_cache
def recovery_codes_regenerate_view(request):
    try:
        codes = recovery_codes_regenerate(user=request.user, client=Client.from_request(request))
    except SecondStepError as error:
        messages.error(request, error.message)
        return redirect("two_factor:manage")
    _store_new_codes(request, codes)
    messages.success(request, _("New recovery codes generated. The old ones no longer work."))
    return redirect("two_factor:recovery_codes")


@sensitive_post_parameters("password")
@reauth_required
@never_cache
def disable(request):
    """Turning two-step off needs the password and a fresh second factor other than a recovery code."""
    user = request.user
    if not user.two_step_enabled:
        return redirect("two_factor:manage")
    fresh_method = methods.method_get(request.session.get(FRESH_METHOD_KEY, ""))
    if fresh_method is None or not fresh_method.allowed_to_disable:
        messages.info(
            request,
            _(
                "To turn off two-step verification, confirm with your authenticator app first. "
                "A recovery code alone is not enough."
            ),
        )
        return redirect(f"{reauth_url(request.get_full_path())}&method={methods.TOTP}")
    form = CurrentPasswordForm(
        request, purpose=Purpose.TWO_STEP_DISABLE, data=request.POST if request.method == "POST" else None
    )
    if request.method == "POST" and form.is_valid():
        two_step_disable(user=user, client=Client.from_request(request))
        messages.success(
            request,
            _("Two-step verification is off. Your authenticator app and recovery codes were removed."),
        )
        return redirect("two_factor:manage")
    return render(request, "security/two_factor/disable.html", {"form": form}, status=form.status)
