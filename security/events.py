"""Security events that the security app itself records."""

from django.utils.translation import gettext_lazy as _

NOTIFICATION_ADDRESS_ADDED = "notifications.address_added"
NOTIFICATION_ADDRESS_VERIFIED = "notifications.address_verified"
NOTIFICATION_ADDRESS_REMOVED = "notifications.address_removed"

EVENT_KINDS = {
    NOTIFICATION_ADDRESS_ADDED: _("Second notification address %(address)s added (waiting for confirmation)"),
    NOTIFICATION_ADDRESS_VERIFIED: _("Second notification address %(address)s confirmed"),
    NOTIFICATION_ADDRESS_REMOVED: _("Second notification address %(address)s removed"),
}
