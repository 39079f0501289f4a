from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import password_field


class ReauthPasswordForm(forms.Form):
    password = password_field(_("Password"), "current-password")

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That password is incorrect."), code="password_incorrect")
        return password
