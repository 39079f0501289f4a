"""The passkey method of the second step (issue 16), registered in ``security.two_factor.methods``: a ``CUSTOM``
challenge (the browser's dialog, no typed code), strong (it turns two-step on by itself) and offered first."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from security.two_factor.methods import CUSTOM, SecondStepMethod, method_register

from . import services
from .forms import PasskeyAnswerForm
from .models import Passkey


def _available(user) -> bool:
    return Passkey.objects.filter(user=user).exists()


def _describe(user) -> dict | None:
    """The passkey section of the two-step page, the overview card and the helpdesk: names and dates, never a
    credential id or key. Nothing while the user has no key and two-step is off (the page offers "add" itself)."""
    keys = list(
        Passkey.objects.filter(user=user)
        .order_by("created_at", "pk")
        .values("id", "name", "created_at", "last_used_at", "backed_up")
    )
    if not keys and not user.two_step_enabled:
        return None
    return {"passkeys": keys, "count": len(keys), "add_url": reverse("passkeys:add")}


method_register(
    SecondStepMethod(
        key=services.PASSKEY,
        order=5,  # before the authenticator app: the phishing-resistant factor comes first
        form_class=PasskeyAnswerForm,
        label=_("Passkey or security key"),
        switch_label=_("Use a passkey or security key"),
        template="security/passkeys/challenge.html",
        kind=CUSTOM,
        challenge_options=services.authentication_options,
        is_available=_available,
        verify=services.passkey_assertion_verify,
        strong=True,
        describe=_describe,
        remove_all=services.passkeys_remove_all,
        settings_template="security/passkeys/section.html",
        enrol_view="passkeys:add",
    )
)
