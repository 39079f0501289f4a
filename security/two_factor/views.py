"""Pages of two-step verification. Each view checks a form, makes one call to a flow (``flows.py``) and applies
what it returns: a redirect with its messages and cookies, or the page rendered again.

Pages that show a TOTP secret, its QR code or recovery codes are ``never_cache`` (``Cache-Control: no-store``),
and no secret ever goes into a URL: the pending secret and freshly issued codes stay sealed in the session.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
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
from portal.flows import FlowResult, flow_cookies_apply, flow_messages_add, flow_redirect
from portal.http import safe_next_url
from security.reauth import reauth_required

from . import flows
from .flows import NEW_CODES_KEY, SETUP_KEY  # noqa: F401  (tests read the session under these names)
from .forms import AuthenticatorCodeForm
from .selectors import two_step_overview


def _respond(request, result: FlowResult, template: str, context: dict | None = None) -> HttpResponse:
    """A finished flow redirects; otherwise its page is rendered again with its context, status and cookies."""
    if result.done:
        return flow_redirect(request, result)
    flow_messages_add(request, result)
    response = render(request, template, {**(context or {}), **result.context}, status=result.status)
    return flow_cookies_apply(response, result)


# --- The second step ------------------------------------------------------------------------------------------
@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def verify(request):
    """After a correct password: ask for a second factor."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    return _respond(request, flows.sign_in_second_step(request), "security/two_factor/verify.html")


@sensitive_post_parameters()
@login_required
@never_cache
def reauth(request):
    """Confirm it's you before a sensitive action (URL name ``security:reauth``): a second factor when two-step
    verification is on, the password when it is off."""
    next_url = safe_next_url(request, "/")
    if request.user.two_step_enabled:
        return _respond(request, flows.reauth_second_step(request, next_url=next_url), "security/reauth.html")
    form = CurrentPasswordForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        return flow_redirect(request, flows.reauth_with_password(request, next_url=next_url))
    return render(request, "security/reauth.html", {"form": form, "next": next_url}, status=form.status)


# --- Managing two-step verification ------------------------------------------------------------------------
@login_required
def manage(request):
    return render(request, "security/two_factor/manage.html", {"two_step": two_step_overview(user=request.user)})


@sensitive_post_parameters("code")
@reauth_required
@never_cache
def setup(request):
    """Turn on two-step verification with an authenticator app, or replace the app (fresh factor required)."""
    form = AuthenticatorCodeForm(data=request.POST if request.method == "POST" else None)
    return _respond(request, flows.authenticator_setup(request, form=form), "security/two_factor/setup.html")


@reauth_required
@never_cache
def recovery_codes(request):
    """Newly issued codes (shown only in the session that issued them, for 10 minutes), or how many are left."""
    return _respond(request, flows.recovery_codes_page(request), "security/two_factor/recovery_codes.html")


@reauth_required
@never_cache
def recovery_codes_download(request):
    codes = flows.new_recovery_codes(request)
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
    return flow_redirect(request, flows.recovery_codes_new(request))


@require_POST
@reauth_required
@never_cache
def sms_sign_in(request):
    """Stop (``use=off``) or start again (``use=on``) using SMS codes for signing in; the phone stays bound."""
    return flow_redirect(request, flows.sms_sign_in_set(request, in_use=request.POST.get("use") == "on"))


@sensitive_post_parameters("password")
@reauth_required
@never_cache
def disable(request):
    """Turning two-step off needs the password and a fresh second factor other than a recovery code."""
    form = CurrentPasswordForm(
        request, purpose=Purpose.TWO_STEP_DISABLE, data=request.POST if request.method == "POST" else None
    )
    return _respond(request, flows.two_step_turn_off(request, form=form), "security/two_factor/disable.html")
