"""Helpdesk actions as the user reads them in their activity and in the notification e-mail (with the reason)."""

from django.utils.translation import gettext_lazy as _

CLEARED_SIGN_IN_LOCK = "helpdesk.cleared_sign_in_lock"
ENDED_SESSIONS = "helpdesk.ended_sessions"
DISABLED_ACCOUNT = "helpdesk.disabled_account"

EVENT_KINDS = {
    CLEARED_SIGN_IN_LOCK: _("Helpdesk cleared the sign-in lock (reason: %(reason)s)"),
    ENDED_SESSIONS: _("Helpdesk signed you out everywhere (reason: %(reason)s)"),
    DISABLED_ACCOUNT: _("Helpdesk disabled the account (reason: %(reason)s)"),
}
