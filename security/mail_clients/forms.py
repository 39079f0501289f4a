"""Forms check the shape of input only; the rules live in ``services``."""

import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from security.app_passwords.forms import NAME_INPUT_MAX
from security.app_passwords.models import NAME_MAX_LENGTH


class AppleProfileForm(forms.Form):
    name = forms.CharField(
        label=_("Device name"),
        max_length=NAME_INPUT_MAX,
        help_text=_("The profile’s app password gets this name, so you can revoke it if the device is lost."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={
            "required": _("Give the device a name, such as “Lin’s iPhone”."),
            "max_length": _("Use a shorter name."),
        },
    )
    # One random key per rendered form: submitting the same form twice makes one profile, served once.
    creation_key = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=16)

    def __init__(self, *args, device_name: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        # The box stops at the real limit; the field's larger max_length (for a clear message) would set 640.
        self.fields["name"].widget.attrs["maxlength"] = NAME_MAX_LENGTH
        if not self.is_bound:
            self.initial.update(name=device_name, creation_key=secrets.token_urlsafe(24))
