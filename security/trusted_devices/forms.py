from django import forms
from django.utils.translation import gettext_lazy as _


class TrustedDeviceRenameForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=60,
        strip=True,
        error_messages={
            "required": _("Enter a name for this device."),
            "max_length": _("Use at most %(limit_value)d characters."),
        },
    )

    def clean_name(self):
        name = self.cleaned_data["name"]
        if any(ord(char) < 32 for char in name):
            raise forms.ValidationError(_("The name cannot contain control characters."), code="control_characters")
        return name
