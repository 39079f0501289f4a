"""Forms of the account-recovery pages: shape of input only (the rules are in accounts.recovery.services)."""

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from accounts.forms import ADDRESS_MAX, password_field
from accounts.models import normalize_address
from accounts.recovery.services import CHANNEL_EMAIL, CHANNEL_SMS, CODE_INPUT_MAX


class RecoveryStartForm(forms.Form):
    username = forms.EmailField(
        label=_("Mailbox address"),
        max_length=ADDRESS_MAX,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
        error_messages={
            "required": _("Enter your mailbox address."),
            "invalid": _("Enter your full mailbox address, like name@example.com."),
        },
    )
    channel = forms.ChoiceField(
        label=_("Send the code to"),
        choices=[
            (CHANNEL_EMAIL, _("My confirmed alert address")),
            (CHANNEL_SMS, _("My bound phone, by text message")),
        ],
        initial=CHANNEL_EMAIL,
        widget=forms.RadioSelect,
    )

    def clean_username(self):
        return normalize_address(self.cleaned_data["username"])


class RecoveryCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=CODE_INPUT_MAX,
        error_messages={"required": _("Enter the 6-digit code we sent you.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class RecoverySecondFactorForm(forms.Form):
    method = forms.ChoiceField(label=_("Method"), choices=[])
    code = forms.CharField(
        label=_("Code"),
        max_length=64,
        error_messages={"required": _("Enter a code from your authenticator app, or a recovery code.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )

    def __init__(self, methods, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = [(method.key, method.label) for method in methods]


class RecoveryPasswordForm(forms.Form):
    new_password = password_field(_("New password"), "new-password")
    new_password_again = password_field(_("New password, again"), "new-password")

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["new_password"].help_text = password_validation.password_validators_help_text_html()

    def clean(self):
        new, again = self.cleaned_data.get("new_password"), self.cleaned_data.get("new_password_again")
        if new and again and new != again:
            self.add_error("new_password_again", _("The two new passwords do not match."))
        elif new:
            try:
                password_validation.validate_password(new, self.user)
            except forms.ValidationError as error:
                self.add_error("new_password", error)
        return self.cleaned_data
