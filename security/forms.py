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
