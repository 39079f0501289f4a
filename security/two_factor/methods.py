"""The ways to pass the second step, as a registry (docs/security.md item 13). A new factor (SMS, a passkey) is one more
entry; the verify and confirm pages, enrolment, turning two-step off, the disable page and the overview ask the
registry, never "does an authenticator exist".

Each method names its form and either a django-otp device model (checked with the device's own ``verify_token``
and throttling) or its own ``is_available``/``verify`` functions. The verify and re-authentication pages list the
methods the user has, default to the first (the authenticator app), and offer the others as "use … instead".

The challenge has a *kind*:

- ``CODE``: the page shows the method's ``template`` (what to do) and its form's ``code`` field; ``verify`` gets
  ``code=``. TOTP, recovery codes and SMS are this kind.
- ``CUSTOM``: the method renders its own partial (``template``) and its form has the fields that partial posts
  (for a passkey: a hidden ``response`` the browser's dialog fills in). ``challenge_options(request=, user=)``
  returns JSON-able options, put on the page with ``json_script`` as ``second-step-options`` for the method's
  script to read (no inline script: the CSP has no ``unsafe-inline``). ``verify`` gets ``answer=`` (the form's
  cleaned data) instead of ``code=``.

``challenge`` (optional) runs when the form is posted with ``action=challenge`` ("send me a code") and returns a
message to show, or raises ``SecondStepError``. ``verify`` returns the django-otp device to log in with, or None,
and raises ``SecondStepError`` when refused (its own limits apply). Without a device the session passes the second
step but is not ``is_verified()`` for django-otp, so the admin still asks staff for an authenticator code.

A *strong* method (the authenticator app, later a passkey) turns two-step verification on by itself:
``two_step_is_on`` is "the user has at least one strong factor", the one definition the rest of the code reads
through ``User.two_step_enabled`` (written only by ``services.two_step_sync``). Recovery codes and SMS are not
strong: they come with two-step verification, they never turn it on.

``allowed_to_disable`` is False for methods that must not, on their own, turn two-step off (recovery codes,
docs/security.md item 20). ``pause_events`` (the event kinds of "stopped" and "started again") lets the user stop
using a method for sign-in while keeping what it rests on (SMS: the bound phone stays). ``describe(user)`` gives what
the two-step page and the overview show for the method (``None``: nothing to show), with the ``template`` of its section
on the two-step page. ``remove_all(user)`` is called when two-step verification is turned off, for a method whose
factors are not django-otp devices (those are all removed anyway).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .forms import AuthenticatorCodeForm, RecoveryCodeForm
from .models import AuthenticatorDevice, PausedMethod, RecoveryCodeDevice

TOTP = "totp"
RECOVERY = "recovery"

CODE = "code"
CUSTOM = "custom"


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
    kind: str = CODE
    challenge_options: Callable | None = None
    # (request=, user=) -> extra context for the method's own template, read after any challenge was sent
    # (SMS: the seconds until "send me a code" works again, counted down on the button).
    template_context: Callable | None = None
    strong: bool = False
    describe: Callable | None = None
    remove_all: Callable | None = None
    pause_events: tuple[str, str] | None = None
    settings_template: str = ""  # the method's section on the two-step page
    enrol_view: str = ""  # the URL name of the page that adds this factor (a strong one turns two-step on)

    @property
    def pausable(self) -> bool:
        return self.pause_events is not None

    def available_for(self, user) -> bool:
        """The user has this factor and uses it for sign-in (not paused)."""
        if not self.has_factor(user):
            return False
        return not (self.pausable and method_is_paused(user=user, key=self.key))

    def has_factor(self, user) -> bool:
        if self.is_available is not None:
            return bool(self.is_available(user))
        return self.device_model.objects.filter(user=user, confirmed=True).exists()

    def verify_arguments(self, cleaned_data: dict) -> dict:
        """What ``second_factor_verify`` passes on: the typed code, or the whole answer of a custom challenge."""
        if self.kind == CODE:
            return {"code": cleaned_data.get("code", "")}
        return {"answer": cleaned_data}

    @property
    def error_field(self) -> str | None:
        """Where a refusal is shown on the form: under the code field, or above a custom challenge."""
        return "code" if self.kind == CODE else None


_METHODS: dict[str, SecondStepMethod] = {}


def method_register(method: SecondStepMethod) -> None:
    _METHODS[method.key] = method


def method_unregister(key: str) -> None:
    _METHODS.pop(key, None)


def method_get(key: str) -> SecondStepMethod | None:
    return _METHODS.get(key)


def methods_all() -> list[SecondStepMethod]:
    return sorted(_METHODS.values(), key=lambda method: method.order)


def methods_available_for(user) -> list[SecondStepMethod]:
    """The user's confirmed factors in use for sign-in, in order of preference (one query per registered method)."""
    return [method for method in methods_all() if method.available_for(user)]


def strong_methods_of(user) -> list[SecondStepMethod]:
    """The user's strong factors (those that turn two-step verification on by themselves)."""
    return [method for method in methods_all() if method.strong and method.has_factor(user)]


def two_step_is_on(user) -> bool:
    """ "Two-step verification is on" means: the user has at least one strong factor. ``User.two_step_enabled``
    stores this answer (``services.two_step_sync`` is its only writer), so pages and the mail server's SQL read a
    column instead of asking every factor."""
    return bool(strong_methods_of(user))


def method_to_confirm_disable(user) -> SecondStepMethod | None:
    """The method the confirm page offers first before turning two-step off: the user's first strong factor that
    may do it (a recovery code may not)."""
    return next((method for method in strong_methods_of(user) if method.allowed_to_disable), None)


def enrol_views() -> set[str]:
    """The URL names of the pages that add a strong factor (open even while the helpdesk requires setup)."""
    return {method.enrol_view for method in methods_all() if method.strong and method.enrol_view}


def method_is_paused(*, user, key: str) -> bool:
    return PausedMethod.objects.filter(user=user, method=key).exists()


def _totp_describe(user) -> dict | None:
    device = AuthenticatorDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return None
    return {"added_at": device.created_at, "last_used_at": device.last_used_at}


def _recovery_describe(user) -> dict | None:
    if not user.two_step_enabled:
        return None
    from .selectors import recovery_codes_remaining

    return {"remaining": recovery_codes_remaining(user=user)}


method_register(
    SecondStepMethod(
        key=TOTP,
        order=10,
        device_model=AuthenticatorDevice,
        form_class=AuthenticatorCodeForm,
        label=_("Authenticator app"),
        switch_label=_("Use your authenticator app"),
        template="security/two_factor/methods/totp.html",
        strong=True,
        describe=_totp_describe,
        settings_template="security/two_factor/factors/totp.html",
        enrol_view="two_factor:setup",
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
        describe=_recovery_describe,
        settings_template="security/two_factor/factors/recovery.html",
    )
)
