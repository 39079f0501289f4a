"""The ways to pass the second step, as a registry, so SMS can be added as one more entry (docs/security.md item 13).

Each method names its form and either a django-otp device model (checked with the device's own ``verify_token``
and throttling) or its own ``is_available``/``verify`` functions. The verify and re-authentication pages list the
methods the user has, default to the first (the authenticator app), and offer the others as "use … instead".

SMS (``phone_method.py``, on top of ``security.phone``) is registered like this::

    method_register(SecondStepMethod(
        key="sms", order=20, form_class=SmsCodeForm,
        label=_("Text message"), switch_label=_("Send me an SMS instead"),
        template="security/two_factor/methods/sms.html",   # includes <button name="action" value="challenge">
        is_available=lambda user: PhoneBinding.objects.filter(user=user).exists(),
        challenge=lambda *, request, user, client: sms_code_send(... purpose=PURPOSE_SIGN_IN,
                                                                 session_key=request.session.session_key ...),
        verify=lambda *, user, code, client, session_key: sms_code_verify(...) and None,
    ))

``challenge`` runs when the form is posted with ``action=challenge`` and returns a message to show (or raises
``SecondStepError``); ``verify`` returns the django-otp device to log in with, or None, and raises
``SecondStepError`` for a wrong code (its own limits apply). Without a device the session passes the second step
but is not ``is_verified()`` for django-otp, so the admin still asks staff for an authenticator code.

``allowed_to_disable`` is False for methods that must not, on their own, turn two-step off (recovery codes,
docs/security.md item 20).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .forms import AuthenticatorCodeForm, RecoveryCodeForm
from .models import AuthenticatorDevice, RecoveryCodeDevice

TOTP = "totp"
RECOVERY = "recovery"


@dataclass(frozen=True)
class SecondStepMethod:
    key: str
    order: int
    form_class: type
    label: Promise | str
    switch_label: Promise | str
    template: str
    device_model: type | None = None
    allowed_to_disable: bool = True
    is_available: Callable | None = None
    verify: Callable | None = None
    challenge: Callable | None = None

    def available_for(self, user) -> bool:
        if self.is_available is not None:
            return bool(self.is_available(user))
        return self.device_model.objects.filter(user=user, confirmed=True).exists()


_METHODS: dict[str, SecondStepMethod] = {}


def method_register(method: SecondStepMethod) -> None:
    _METHODS[method.key] = method


def method_unregister(key: str) -> None:
    _METHODS.pop(key, None)


def method_get(key: str) -> SecondStepMethod | None:
    return _METHODS.get(key)


def methods_available_for(user) -> list[SecondStepMethod]:
    """The user's confirmed factors, in order of preference (one query per registered method)."""
    available = [method for method in _METHODS.values() if method.available_for(user)]
    return sorted(available, key=lambda method: method.order)


method_register(
    SecondStepMethod(
        key=TOTP,
        order=10,
        device_model=AuthenticatorDevice,
        form_class=AuthenticatorCodeForm,
        label=_("Authenticator app"),
        switch_label=_("Use your authenticator app"),
        template="security/two_factor/methods/totp.html",
    )
)
method_register(
    SecondStepMethod(
        key=RECOVERY,
        order=90,
        device_model=RecoveryCodeDevice,
        form_class=RecoveryCodeForm,
        label=_("Recovery code"),
        switch_label=_("Use a recovery code"),
        template="security/two_factor/methods/recovery.html",
        allowed_to_disable=False,
    )
)
