"""Forms check the shape of input; the rules live in accounts.services. Forms that take the account password hand
it to ``account_password_check`` (the one place it is verified) and keep its answer in ``password_check``."""

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from accounts.models import normalize_address
from accounts.services.passwords import Outcome, Purpose, account_password_check
from portal.conf import portal_settings

# Far above any real address or password, far below anything that costs us to hash.
ADDRESS_MAX = 254


def password_field(label, autocomplete):
    return forms.CharField(
        label=label,
        strip=False,  # docs/security.md item 3: the password is used exactly as typed
        max_length=portal_settings.password_max_length,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
        error_messages={"required": _("Enter your password."), "max_length": _("This password is too long.")},
    )


class SignInForm(forms.Form):
    username = forms.CharField(
        label=_("Mailbox address"),
        max_length=ADDRESS_MAX,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
        error_messages={"required": _("Enter your mailbox address.")},
    )
    password = password_field(_("Password"), "current-password")

    # One message for "no such account", "wrong password" and "inactive account" (docs/security.md item 5).
    error_messages = {"invalid_login": _("The mailbox address or password is incorrect.")}

    def __init__(self, request, *args, **kwargs):
        self.request = request
        self.user = None
        self.password_check = None
        super().__init__(*args, **kwargs)

    @property
    def wait_seconds(self) -> int:
        check = self.password_check
        return check.wait_seconds if check is not None and check.outcome is Outcome.WAIT else 0

    def clean_username(self):
        return normalize_address(self.cleaned_data["username"])

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username and password:
            self.password_check = account_password_check(
                request=self.request, address=username, password=password, purpose=Purpose.SIGN_IN
            )
            self.user = self.password_check.user
            if not self.password_check.ok:
                raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        return self.cleaned_data


class PasswordChangeForm(forms.Form):
    current_password = password_field(_("Current password"), "current-password")
    new_password = password_field(_("New password"), "new-password")
    new_password_again = password_field(_("New password, again"), "new-password")

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["new_password"].help_text = password_validation.password_validators_help_text_html()

    def current_password_refused(self, check) -> int:
        """Shows why ``password_change`` refused; returns the status for the page."""
        if check.outcome is Outcome.WAIT:
            self.add_error(None, check.wait_message)
            return 429
        self.add_error("current_password", _("Your current password is incorrect."))
        return 400

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


class CurrentPasswordForm(forms.Form):
    """ "Enter your password again": confirming a sensitive action, or turning two-step verification off. The check
    is throttled and counted with sign-in's."""

    password = password_field(_("Password"), "current-password")

    def __init__(self, request, *args, purpose=Purpose.REAUTH, **kwargs):
        self.request = request
        self.purpose = purpose
        self.password_check = None
        super().__init__(*args, **kwargs)

    @property
    def status(self) -> int:
        """The page's status: 429 while the throttle holds the password back, 400 for a wrong one."""
        if self.has_error("password", "throttled"):
            return 429
        return 400 if self.errors else 200

    def clean_password(self):
        password = self.cleaned_data["password"]
        self.password_check = account_password_check(
            request=self.request, password=password, purpose=self.purpose, user=self.request.user
        )
        if self.password_check.outcome is Outcome.WAIT:
            raise forms.ValidationError(self.password_check.wait_message, code="throttled")
        if not self.password_check.ok:
            raise forms.ValidationError(_("That password is incorrect."), code="password_incorrect")
        return password
