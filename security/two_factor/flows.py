"""One flow per user action of two-step verification (``portal/flows.py`` says what a flow returns): the second step
at sign-in and on the confirm page (a code, a recovery code, SMS, or a method with its own challenge), "don't ask
again on this device", enrolling the authenticator (with recovery codes issued), new recovery codes, stopping or
resuming a method, and turning two-step off. Views make one call each and apply the result.

Invariants:
- Accepting a second factor and what success does (sign-in, ``django_otp.login``, the trusted device) are one
  transaction: a failure after the code was accepted leaves the step unused and nothing behind. A refusal is caught
  inside it, so its failure count commits.
- The trusted-device cookie comes back in ``FlowResult.cookies``; nothing is hidden on the request.
- No secret goes into a URL: the pending TOTP secret and freshly issued recovery codes stay sealed in the session,
  readable for ``PORTAL_TWO_STEP_SETUP_TTL`` (10 minutes).
"""

import json

import django_otp
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.second_step import second_step_remember
from accounts.services.sign_in import pending_sign_in_next, pending_sign_in_user, sign_in_complete
from portal.flows import FlowResult
from portal.http import local_path
from security.client import Client
from security.reauth import FRESH_METHOD_KEY, reauth_mark_fresh, reauth_url

from . import crypto, methods
from .phone_method import SMS
from .selectors import authenticator_for, recovery_codes_remaining
from .services import (
    REAUTH,
    SIGN_IN,
    SecondStepError,
    authenticator_enroll,
    method_pause_set,
    recovery_codes_regenerate,
    second_factor_challenge,
    second_factor_verify,
    two_step_disable,
)

SETUP_KEY = "two_step_setup"
NEW_CODES_KEY = "two_step_new_recovery_codes"


def _ttl_seconds() -> int:
    return int(settings.PORTAL_TWO_STEP_SETUP_TTL.total_seconds())


# --- The second step: sign-in and re-authentication share one shape ------------------------------------------
def _second_step(request, *, user, purpose: str, on_success, context: dict) -> FlowResult:
    """Show the chosen method, send its challenge ("send me a code"), or check its answer. ``on_success(device,
    method)`` runs in the transaction that accepted the answer and returns the finished ``FlowResult``."""
    available = methods.methods_available_for(user)
    context = {"available": available, **context}
    if not available:
        return FlowResult(status=409, context={**context, "no_methods": True})
    wanted = request.POST.get("method") or request.GET.get("method")
    method = next((m for m in available if m.key == wanted), available[0])
    context.update({"method": method, "others": [m for m in available if m is not method]})
    result = FlowResult(context=context)

    def page(status: int = 200) -> FlowResult:
        # What the method adds to its page is made only for a page that is shown, after any answer was checked: a
        # passkey's options carry a one-time challenge stored for this session, which a POST must not replace first,
        # and SMS's wait is read after "send me a code" started it.
        if method.challenge_options is not None:
            context["challenge_options"] = method.challenge_options(request=request, user=user)
        if method.template_context is not None:
            context.update(method.template_context(request=request, user=user))
        result.status = status
        return result

    if request.method == "POST" and request.POST.get("action") == "challenge":
        # "Send me a code" (SMS): nothing is verified on this submit.
        context["form"] = method.form_class()
        try:
            context["challenge_message"] = second_factor_challenge(
                request=request, user=user, method_key=method.key, client=Client.from_request(request)
            )
        except SecondStepError as error:
            context["challenge_error"] = error.message
            return page(error.status)
        return page()
    form = method.form_class(data=request.POST if request.method == "POST" else None)
    context["form"] = form
    if request.method != "POST":
        return page()
    if not form.is_valid():
        return page(400)
    with transaction.atomic():
        try:
            device = second_factor_verify(
                user=user,
                method_key=method.key,
                client=Client.from_request(request),
                purpose=purpose,
                session_key=request.session.session_key,
                **method.verify_arguments(form.cleaned_data),
            )
        except SecondStepError as error:
            form.add_error(method.error_field, error.message)
            return page(error.status)
        return on_success(device, method)


def sign_in_second_step(request) -> FlowResult:
    """The verify page after a correct password: a second factor, then the sign-in (and, if asked, this browser
    trusted). The pending state expires after 10 minutes."""
    user = pending_sign_in_user(request)
    if user is None:
        return FlowResult(redirect_to=reverse("accounts:sign_in")).message(
            messages.ERROR, _("Your sign-in has expired. Enter your password again.")
        )
    # Settled before the code is checked: a bad target cannot fail the sign-in after the step was used.
    done = local_path(pending_sign_in_next(request)) or resolve_url(settings.LOGIN_REDIRECT_URL)
    remember = request.POST.get("remember") == "on"

    def success(device, method) -> FlowResult:
        sign_in_complete(request, user, second_factor=method.key)
        if device is not None:
            django_otp.login(request, device)
        cookies = []
        if remember:
            cookies = second_step_remember(request=request, user=user, client=Client.from_request(request))
        return FlowResult(redirect_to=done, cookies=cookies)

    context = {
        "signing_in_as": user.email,  # the second step says which account is signing in, as Google does
        "offer_trust": True,
        "trust_days": settings.PORTAL_TRUSTED_DEVICE_DAYS,
        "remember": remember,
    }
    return _second_step(request, user=user, purpose=SIGN_IN, on_success=success, context=context)


def reauth_second_step(request, *, next_url: str) -> FlowResult:
    """The confirm page with two-step on: a fresh second factor for a sensitive action, then back to it."""

    def success(device, method) -> FlowResult:
        reauth_mark_fresh(request, method=method.key)
        if device is not None:
            django_otp.login(request, device)
        return FlowResult(redirect_to=local_path(next_url) or "/")

    context = {"next": next_url, "second_factor": True}
    return _second_step(request, user=request.user, purpose=REAUTH, on_success=success, context=context)


def reauth_with_password(request, *, next_url: str) -> FlowResult:
    """The confirm page with two-step off: the password (checked by the form) was right."""
    reauth_mark_fresh(request, method="password")
    return FlowResult(redirect_to=local_path(next_url) or "/")


# --- Enrolling the authenticator ------------------------------------------------------------------------------
def _pending_secret(request) -> bytes | None:
    sealed = request.session.get(SETUP_KEY)
    if not isinstance(sealed, str):
        return None
    try:
        return crypto.unseal(sealed, max_age_seconds=_ttl_seconds())
    except crypto.InvalidToken:
        return None


def new_recovery_codes_store(request, codes: list[str]) -> None:
    """Keep freshly issued codes sealed in the session for the recovery-codes page (any strong factor's enrolment
    that turned two-step on hands its codes here)."""
    request.session[NEW_CODES_KEY] = crypto.seal(json.dumps(codes).encode())


def new_recovery_codes(request) -> list[str] | None:
    """The codes issued in this session less than 10 minutes ago (shown until the user says they saved them)."""
    sealed = request.session.get(NEW_CODES_KEY)
    if not isinstance(sealed, str):
        return None
    try:
        return json.loads(crypto.unseal(sealed, max_age_seconds=_ttl_seconds()))
    except (crypto.InvalidToken, ValueError):
        request.session.pop(NEW_CODES_KEY, None)
        return None


def recovery_codes_page(request) -> FlowResult:
    """The codes just issued in this session, or how many are left; "I have saved them" (POST) hides them for good."""
    if not request.user.two_step_enabled:
        return FlowResult(redirect_to=reverse("two_factor:manage"))
    if request.method == "POST":
        return new_recovery_codes_saved(request)
    return FlowResult(
        context={"codes": new_recovery_codes(request), "remaining": recovery_codes_remaining(user=request.user)}
    )


def new_recovery_codes_saved(request) -> FlowResult:
    """ "I have saved them": they are never shown again."""
    request.session.pop(NEW_CODES_KEY, None)
    return FlowResult(redirect_to=reverse("two_factor:manage"))


def _setup_page(request, *, form, secret: bytes | None, status: int) -> FlowResult:
    user = request.user
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
    return FlowResult(status=status, context=context)


def authenticator_setup(request, *, form) -> FlowResult:
    """Turn two-step on with an authenticator app, or move it to a new phone. GET (``form`` unbound) shows a new
    secret, kept sealed in the session; POST confirms it with a code from the app."""
    user = request.user
    secret = _pending_secret(request)
    if request.method != "POST":
        return _setup_page(request, form=form, secret=secret, status=200)
    if secret is None:
        if user.two_step_enabled and new_recovery_codes(request) is not None:
            return FlowResult(redirect_to=reverse("two_factor:recovery_codes"))  # a repeat of a confirm that worked
        form.add_error(None, _("This setup page expired. Scan the new QR code and enter a new code."))
        return _setup_page(request, form=form, secret=None, status=400)
    if not form.is_valid():
        return _setup_page(request, form=form, secret=secret, status=400)
    try:
        enrolled = authenticator_enroll(
            user=user, secret=secret, code=form.cleaned_data["code"], client=Client.from_request(request)
        )
    except SecondStepError as error:
        form.add_error("code", error.message)
        return _setup_page(request, form=form, secret=secret, status=400)
    request.session.pop(SETUP_KEY, None)
    django_otp.login(request, enrolled.device)
    reauth_mark_fresh(request, method=methods.TOTP)
    if enrolled.recovery_codes:
        new_recovery_codes_store(request, enrolled.recovery_codes)
        return FlowResult(redirect_to=reverse("two_factor:recovery_codes")).message(
            messages.SUCCESS, _("Two-step verification is on. Save your recovery codes now.")
        )
    result = FlowResult(redirect_to=reverse("two_factor:manage"))
    if enrolled.changed:
        result.message(messages.SUCCESS, _("Your new authenticator app is set up. The old one no longer works."))
    return result


def recovery_codes_new(request) -> FlowResult:
    """A new set of recovery codes, shown once in this session."""
    try:
        codes = recovery_codes_regenerate(user=request.user, client=Client.from_request(request))
    except SecondStepError as error:
        return FlowResult(redirect_to=reverse("two_factor:manage")).message(messages.ERROR, error.message)
    new_recovery_codes_store(request, codes)
    return FlowResult(redirect_to=reverse("two_factor:recovery_codes")).message(
        messages.SUCCESS, _("New recovery codes generated. The old ones no longer work.")
    )


# --- Stopping a method, turning two-step off -----------------------------------------------------------------
def sms_sign_in_set(request, *, in_use: bool) -> FlowResult:
    """Stop or start again using SMS codes for signing in; the phone stays bound either way."""
    method_pause_set(user=request.user, method_key=SMS, paused=not in_use, client=Client.from_request(request))
    text = (
        _("SMS codes can be used for signing in again.")
        if in_use
        else _("SMS codes are no longer offered when you sign in. Your phone stays bound.")
    )
    return FlowResult(redirect_to=reverse("two_factor:manage")).message(messages.SUCCESS, text)


def two_step_turn_off(request, *, form) -> FlowResult:
    """Turning two-step off needs a fresh second factor other than a recovery code, then the password (``form``,
    checked only once the factor is fresh, so a refused visit charges no password attempt)."""
    user = request.user
    if not user.two_step_enabled:
        return FlowResult(redirect_to=reverse("two_factor:manage"))
    fresh_method = methods.method_get(request.session.get(FRESH_METHOD_KEY, ""))
    if fresh_method is None or not fresh_method.allowed_to_disable:
        target = reauth_url(request.get_full_path())
        confirm_with = methods.method_to_confirm_disable(user)
        if confirm_with is not None:
            target = f"{target}&method={confirm_with.key}"
        return FlowResult(redirect_to=target).message(
            messages.INFO,
            _(
                "To turn off two-step verification, confirm it's you with another method first. "
                "A recovery code alone is not enough."
            ),
        )
    result = FlowResult(context={"form": form})
    if request.method != "POST":
        return result
    if not form.is_valid():
        result.status = form.status
        return result
    two_step_disable(user=user, client=Client.from_request(request))
    return FlowResult(redirect_to=reverse("two_factor:manage")).message(
        messages.SUCCESS,
        _("Two-step verification is off. Your passkeys, authenticator app and recovery codes were removed."),
    )
