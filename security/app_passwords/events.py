"""Security events recorded by the app-password services (see ``security.audit``). Details hold names and ids
only."""

from django.utils.translation import gettext_lazy as _

CREATED = "app_password.created"
REVOKED = "app_password.revoked"
REVOKED_ALL = "app_password.revoked_all"
REVOKED_BY_PASSWORD_CHANGE = "app_password.revoked_by_password_change"  # noqa: S105 - an event name
REVOKE_DENIED = "app_password.revoke_denied"

EVENT_KINDS = {
    CREATED: _("App password “%(name)s” created"),
    REVOKED: _("App password “%(name)s” revoked"),
    REVOKED_ALL: _("All app passwords revoked (%(count)s)"),
    REVOKED_BY_PASSWORD_CHANGE: _("App passwords revoked because the password changed (%(count)s)"),
    REVOKE_DENIED: _("Attempt to revoke an app password that is not yours"),
}
