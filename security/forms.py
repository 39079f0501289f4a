from django import forms
from django.utils.translation import gettext_lazy as _


class NotificationAddressForm(forms.Form):
    address = forms.EmailField(
        label=_("Second address for security alerts"),
        max_length=254,
        error_messages={
            "required": _("Enter the address for security alerts."),
            "invalid": _("Enter a full e-mail address, like name@example.com."),
        },
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_address(self):
        address = self.cleaned_data["address"].strip().lower()
        if address == self.user.email:
            raise forms.ValidationError(_("Use an address other than this mailbox."), code="same_as_mailbox")
        return address


class ActivityFilterForm(forms.Form):
    """``?kind=`` on the activity page. An unknown value is a form error (400), never a server error."""

    KINDS = [
        ("", _("All activity")),
        ("sign_in", _("Sign-ins and sessions")),
        ("password", _("Password and account recovery")),
        ("two_step", _("Two-step verification")),
        ("phone", _("Phone and text messages")),
        ("app_passwords", _("App passwords and mail apps")),
        ("devices", _("Trusted devices")),
        ("alerts", _("Alert address")),
    ]
    kind = forms.ChoiceField(
        label=_("Show"),
        choices=KINDS,
        required=False,
        error_messages={"invalid_choice": _("There is no such kind of activity. Choose one from the list.")},
    )
