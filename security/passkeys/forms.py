"""Shapes of what the passkey pages post. The browser's answer is checked by the services, not here."""

from django import forms
from django.utils.translation import gettext_lazy as _


class PasskeyAnswerForm(forms.Form):
    """The second step with a passkey: the JSON the browser's dialog returned (filled in by js/passkeys.js)."""

    response = forms.CharField(widget=forms.HiddenInput(attrs={"data-passkey-response": ""}), max_length=65536)


class PasskeyAddForm(forms.Form):
    name = forms.CharField(
        label=_("Name of this passkey"),
        max_length=60,
        required=False,
        help_text=_("For example “Laptop” or “Blue security key”, so you can tell your keys apart."),
    )
    response = forms.CharField(widget=forms.HiddenInput(attrs={"data-passkey-response": ""}), max_length=65536)


class PasskeyRenameForm(forms.Form):
    name = forms.CharField(label=_("New name"), max_length=60)
