"""Security events recorded by two-step verification (see ``security.audit``). Details never hold a code."""

from django.utils.translation import gettext_lazy as _

TWO_STEP_ENABLED = "two_step.enabled"
TWO_STEP_DISABLED = "two_step.disabled"
AUTHENTICATOR_ADDED = "two_step.authenticator_added"
AUTHENTICATOR_REPLACED = "two_step.authenticator_replaced"
RECOVERY_CODES_REGENERATED = "two_step.recovery_codes_regenerated"
RECOVERY_CODE_USED = "two_step.recovery_code_used"
SECOND_FACTOR_PASSED = "two_step.second_factor_passed"
SECOND_FACTOR_FAILED = "two_step.second_factor_failed"
SECOND_FACTOR_LOCKED = "two_step.second_factor_locked"
SECOND_FACTOR_UNAVAILABLE = "two_step.second_factor_unavailable"
SMS_SIGN_IN_STOPPED = "two_step.sms_sign_in_stopped"
SMS_SIGN_IN_RESUMED = "two_step.sms_sign_in_resumed"

EVENT_KINDS = {
    TWO_STEP_ENABLED: _("Two-step verification turned on"),
    TWO_STEP_DISABLED: _("Two-step verification turned off"),
    AUTHENTICATOR_ADDED: _("Authenticator app added"),
    AUTHENTICATOR_REPLACED: _("Authenticator app replaced"),
    RECOVERY_CODES_REGENERATED: _("New recovery codes generated (the old ones no longer work)"),
    RECOVERY_CODE_USED: _("A recovery code was used (%(remaining)s left)"),
    SECOND_FACTOR_PASSED: _("Identity confirmed with a second factor"),
    SECOND_FACTOR_FAILED: _("Wrong verification code entered"),
    SECOND_FACTOR_LOCKED: _("Too many wrong verification codes: that method is locked"),
    SECOND_FACTOR_UNAVAILABLE: _("A verification method could not be used: the server can no longer read its secret"),
    SMS_SIGN_IN_STOPPED: _("Stopped using SMS codes for signing in (the phone stays bound)"),
    SMS_SIGN_IN_RESUMED: _("Started using SMS codes for signing in again"),
}
