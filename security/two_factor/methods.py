"""The ways to pass the second step, as a registry, so SMS can be added as one more entry (SECURITY.md 13).

Each method names its django-otp device model and its form. The verify and re-authentication pages list the
methods the user has, default to the first (the authenticator app), and offer the others as "use … instead".

To add SMS after the phone binding lands::

    method_register(SecondStepMethod(
        key="sms", order=20, device_model=PhoneDevice, form_class=SmsCodeForm,
        label=_("Text message"), switch_label=_("Send me an SMS instead"),
        template="security/two_factor/methods/sms.html",
        challenge=lambda request, user, device: sms_code_send(...),   # called when the user asks for a code
    ))

``allowed_to_disable`` is False for methods that must not, on their own, turn two-step off (recovery codes,
SECURITY.md 20).
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
    device_model: type
    form_class: type
    label: Promise | str
    switch_label: Promise | str
    template: str
    allowed_to_disable: bool = True
    challenge: Callable | None = None


_METHODS: dict[str, SecondStepMethod] = {}


def method_register(method: SecondStepMethod) -> None:
    _METHODS[method.key] = method


def method_get(key: str) -> SecondStepMethod | None:
    return _METHODS.get(key)


def methods_available_for(user) -> list[SecondStepMethod]:
    """The user's confirmed factors, in order of preference (one query per registered method)."""
    available = [
        method for method in _METHODS.values() if method.device_model.objects.filter(user=user, confirmed=True).exists()
    ]
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
