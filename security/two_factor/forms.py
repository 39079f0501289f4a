"""Shapes of the codes users type. Forms only check the shape; services decide whether a code is right."""

from django import forms
from django.utils.translation import gettext_lazy as _

from . import crypto

# Long input is cut before any work is done on it; the message is the same as for any malformed code.
_MAX_INPUT = 64


class AuthenticatorCodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        required=True,
        strip=True,
        error_messages={"required": _("Enter the 6-digit code from your authenticator app.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "maxlength": 16,
            }
        ),
    )

    def clean_code(self):
        raw = self.cleaned_data["code"][: _MAX_INPUT + 1]
        code = raw.replace(" ", "").replace("-", "")
        if len(raw) > _MAX_INPUT or len(code) != crypto.TOTP_DIGITS or not (code.isascii() and code.isdigit()):
            raise forms.ValidationError(
                _("Enter the 6-digit code from your authenticator app (digits only)."), code="malformed"
            )
        return code


class RecoveryCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Recovery code"),
        required=True,
        strip=True,
        error_messages={"required": _("Enter one of your recovery codes.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false", "autofocus": True}
        ),
    )

    def clean_code(self):
        raw = self.cleaned_data["code"][: _MAX_INPUT + 1]
        if len(raw) > _MAX_INPUT or crypto.recovery_code_normalize(raw) is None:
            raise forms.ValidationError(
                _("A recovery code has 16 letters and digits, like 4f7k-92mx-pq3a-8hvz."), code="malformed"
            )
        return raw
