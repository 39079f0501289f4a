"""Forms check the shape of input only; the rules live in ``services``."""

import secrets
from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from security.names import name_clean

from .models import NAME_MAX_LENGTH, Scope

NAME_PRESETS = ["Outlook", "Foxmail", "Thunderbird", "iPhone Mail", "Android"]
EXPIRY_CHOICES = [
    ("", _("Never")),
    ("7", _("In 7 days")),
    ("30", _("In 30 days")),
    ("90", _("In 90 days")),
    ("365", _("In one year")),
]
# Long enough to show a clear message for a pasted essay, short enough to never cost anything.
NAME_INPUT_MAX = 10 * NAME_MAX_LENGTH


class AppPasswordCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_INPUT_MAX,
        help_text=_("The app or device that will use it, e.g. Outlook on my laptop."),
        widget=forms.TextInput(attrs={"list": "app-password-presets", "autocomplete": "off"}),
        error_messages={
            "required": _("Give the app password a name, such as the app or device that will use it."),
            "max_length": _("Use a shorter name."),
        },
    )
    scope = forms.ChoiceField(
        label=_("May be used for"),
        choices=Scope.choices,
        initial=Scope.ALL,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose what the app password may be used for."),
            "invalid_choice": _("Choose what the app password may be used for."),
        },
    )
    expires_in_days = forms.TypedChoiceField(
        label=_("Expires"), choices=EXPIRY_CHOICES, required=False, coerce=int, empty_value=None
    )
    # One random key per rendered form: submitting the same form twice creates one app password.
    creation_key = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=16)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The field takes a longer value so a pasted essay gets a message, but the box itself stops at the limit
        # (the field's own max_length would otherwise set the widget's maxlength to 640).
        self.fields["name"].widget.attrs["maxlength"] = NAME_MAX_LENGTH
        if not self.is_bound:
            self.initial["creation_key"] = secrets.token_urlsafe(24)

    def clean_name(self):
        return name_clean(self.cleaned_data["name"], max_length=NAME_MAX_LENGTH)

    @property
    def presets(self):
        return NAME_PRESETS

    def expires_at(self):
        days = self.cleaned_data.get("expires_in_days")
        return timezone.now() + timedelta(days=days) if days else None
