from django import forms
from django.utils.translation import gettext_lazy as _

from security.names import name_clean

NAME_MAX_LENGTH = 60  # TrustedDevice.name


class TrustedDeviceRenameForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_MAX_LENGTH,
        strip=True,
        error_messages={
            "required": _("Enter a name for this device."),
            "max_length": _("Use at most %(limit_value)d characters."),
        },
    )

    def clean_name(self):
        return name_clean(self.cleaned_data["name"], max_length=NAME_MAX_LENGTH)
