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
"""

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from security.phone.errors import PhoneError, SmsSendRefused
from security.phone.forms import SmsCodeForm
from security.phone.selectors import mask_phone, phone_number_of
from security.phone.services import PURPOSE_SIGN_IN, sms_code_send, sms_code_verify

from .methods import SecondStepMethod, method_register
from .services import SecondStepError

SMS = "sms"


def _available(user) -> bool:
    return phone_number_of(user=user) is not None


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
    return _("We sent a code to %(number)s. It is valid for %(minutes)d minutes.") % {
        "number": mask_phone(number),
        "minutes": minutes,
    }


def _verify(*, user, code, client, session_key):
    try:
        sms_code_verify(user=user, purpose=PURPOSE_SIGN_IN, session_key=session_key or "", code=code, client=client)
    except PhoneError as error:
        raise SecondStepError(error.message) from None
    return None


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
        verify=_verify,
    )
)
