"""Shapes of input only; the rules live in numbers.py and services.py."""

from django import forms
from django.utils.translation import gettext_lazy as _


class PhoneNumberForm(forms.Form):
    number = forms.CharField(
        label=_("Mobile number"),
        # the service says "Enter your phone number.", in the same words as every other refusal
        required=False,
        strip=False,
        help_text=_("For example 138 1234 5678, or +852 6123 4567 outside mainland China."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel", "maxlength": 32}),
    )


class SmsCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the text message"),
        required=False,
        strip=False,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "maxlength": 6,
                "pattern": "[0-9]*",
            }
        ),
    )
