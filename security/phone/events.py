"""Security event kinds of the phone feature (labels may use fields from ``details``)."""

from django.utils.translation import gettext_lazy as _

PHONE_BOUND = "phone_bound"
PHONE_CHANGED = "phone_changed"
PHONE_REMOVED = "phone_removed"
SMS_CODE_FAILED = "sms_code_failed"
SMS_SENT = "sms_sent"  # details: number (masked), template, gateway, failed (gateways tried first)

EVENT_KINDS = {
    PHONE_BOUND: _("Phone %(number)s bound"),
    PHONE_CHANGED: _("Phone changed from %(old_number)s to %(number)s"),
    PHONE_REMOVED: _("Phone %(number)s removed"),
    SMS_CODE_FAILED: _("Wrong SMS code entered"),
    SMS_SENT: _("Text message sent to %(number)s"),
}
