"""The SMS method of the second step, on top of the phone binding (``security.phone``; docs/security.md items 13,
14, 17).

Invariants:
- Offered only to users with a bound phone, and always after the authenticator app (SMS is a restricted factor).
- A code is sent only when the user asks ("send me a code"), from the pending sign-in or a signed-in session, to
  the bound number; ``sms_code_send`` applies the cooldown and the per-number, per-account, per-IP and global limits.
- A code is bound to this user, the ``sign_in`` purpose and this session, works once, and its wrong tries are
  counted by ``security.phone`` (5, then a lockout); refusals become ``SecondStepError`` with the phone app's sentence.
- There is no django-otp device: an SMS sign-in passes the second step but does not make the session
  ``is_verified()``, so the admin still asks staff for an authenticator code.
- SMS is not a strong factor: it never turns two-step verification on by itself. The user may stop using it for
  signing in (``method_pause_set``); the phone stays bound (for account recovery and security notices), and the
  verify and confirm pages no longer offer it until the user starts using it again.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from security.phone.errors import PhoneError, SmsSendRefused
from security.phone.forms import SmsCodeForm
from security.phone.selectors import mask_phone, phone_number_of, sms_challenge_pending
from security.phone.services import PURPOSE_SIGN_IN, sms_code_send, sms_code_verify

from . import events
from .methods import SecondStepMethod, method_is_paused, method_register
from .services import SecondStepError

SMS = "sms"


def _available(user) -> bool:
    return phone_number_of(user=user) is not None


def _template_context(*, request, user) -> dict:
    """The seconds until "send me a code" may be pressed again (0: now); the button counts them down."""
    pending = sms_challenge_pending(user=user, purpose=PURPOSE_SIGN_IN, session_key=request.session.session_key or "")
    return {"sms_resend_in": 0 if pending is None or pending["can_resend"] else pending["resend_in_seconds"]}


def _challenge(*, request, user, client) -> str:
    number = phone_number_of(user=user)
    if number is None:
        raise SecondStepError(_("That verification method is not available."))
    if not request.session.session_key:
        request.session.save()
    try:
        sms_code_send(
            user=user, number=number, purpose=PURPOSE_SIGN_IN, session_key=request.session.session_key, client=client
        )
    except PhoneError as error:
        raise SecondStepError(error.message, status=429 if isinstance(error, SmsSendRefused) else 400) from None
    minutes = int(settings.PORTAL_SMS_CODE_TTL.total_seconds() // 60)
    return ngettext(
        "We sent a code to %(number)s. It is valid for %(minutes)d minute.",
        "We sent a code to %(number)s. It is valid for %(minutes)d minutes.",
        minutes,
    ) % {
        "number": mask_phone(number),
        "minutes": minutes,
    }


def _verify(*, user, code, client, session_key):
    try:
        sms_code_verify(user=user, purpose=PURPOSE_SIGN_IN, session_key=session_key or "", code=code, client=client)
    except PhoneError as error:
        raise SecondStepError(error.message) from None
    return None


def _describe(user) -> dict | None:
    """The SMS section of the two-step page: the masked number and whether it is used for signing in."""
    if not user.two_step_enabled:
        return None  # SMS is a second step only: nothing to choose before two-step verification is on
    number = phone_number_of(user=user)
    return {
        "bound": number is not None,
        "masked": mask_phone(number) if number else "",
        "in_use": number is not None and not method_is_paused(user=user, key=SMS),
        "phone_url": reverse("phone:manage"),
    }


method_register(
    SecondStepMethod(
        key=SMS,
        order=20,
        form_class=SmsCodeForm,
        label=gettext_lazy("Text message"),
        switch_label=gettext_lazy("Send me an SMS instead"),
        template="security/two_factor/methods/sms.html",
        is_available=_available,
        challenge=_challenge,
        template_context=_template_context,
        verify=_verify,
        describe=_describe,
        pause_events=(events.SMS_SIGN_IN_STOPPED, events.SMS_SIGN_IN_RESUMED),
        settings_template="security/two_factor/factors/sms.html",
    )
)
