"""Security events that the accounts app records (see ``security.audit``)."""

from django.utils.translation import gettext_lazy as _

SIGNED_IN = "account.signed_in"
SIGN_IN_FAILED = "account.sign_in_failed"
SIGNED_OUT = "account.signed_out"
PASSWORD_CHANGED = "account.password_changed"  # noqa: S105 - an event name
PASSWORD_CONFIRM_FAILED = "account.password_confirm_failed"  # noqa: S105 - an event name
RECOVERY_STARTED = "account.recovery_started"
RECOVERY_CODE_FAILED = "account.recovery_code_failed"
RECOVERY_CHANNEL_PROVEN = "account.recovery_channel_proven"
RECOVERY_COMPLETED = "account.recovery_completed"
RECOVERY_CANCELLED = "account.recovery_cancelled"

EVENT_KINDS = {
    SIGNED_IN: _("Signed in"),
    SIGN_IN_FAILED: _("Failed sign-in attempt"),
    SIGNED_OUT: _("Signed out"),
    PASSWORD_CHANGED: _("Password changed"),
    PASSWORD_CONFIRM_FAILED: _("Wrong password entered in a signed-in session"),
    RECOVERY_STARTED: _("Account recovery requested"),
    RECOVERY_CODE_FAILED: _("Wrong account recovery code"),
    RECOVERY_CHANNEL_PROVEN: _("Account recovery code accepted"),
    RECOVERY_COMPLETED: _("Password reset through account recovery; every session and app password was ended"),
    RECOVERY_CANCELLED: _("Pending account recovery cancelled by a normal sign-in"),
}
