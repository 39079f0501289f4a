"""Security events recorded for trusted devices (see ``security.audit``)."""

from django.utils.translation import gettext_lazy as _

DEVICE_TRUSTED = "trusted_devices.trusted"
DEVICE_RENAMED = "trusted_devices.renamed"
DEVICE_REVOKED = "trusted_devices.revoked"
DEVICES_REVOKED_ALL = "trusted_devices.revoked_all"
SIGNED_IN_ON_TRUSTED_DEVICE = "trusted_devices.signed_in"

EVENT_KINDS = {
    DEVICE_TRUSTED: _("A new device was trusted: %(device)s from %(ip)s"),
    DEVICE_RENAMED: _("Trusted device renamed to “%(name)s”"),
    DEVICE_REVOKED: _("Trusted device “%(device)s” revoked"),
    DEVICES_REVOKED_ALL: _("All trusted devices revoked (%(count)s)"),
    SIGNED_IN_ON_TRUSTED_DEVICE: _("Signed in on trusted device “%(device)s” without a code"),
}
