"""Helpdesk actions as the user reads them; the reason is shown beside every staff event (security/_event_list.html,
emails/security_event.txt)."""

from django.utils.translation import gettext_lazy as _

CLEARED_SIGN_IN_LOCK = "helpdesk.cleared_sign_in_lock"
DISABLED_ACCOUNT = "helpdesk.disabled_account"
ACTION_REFUSED = "helpdesk.action_refused"

EVENT_KINDS = {
    CLEARED_SIGN_IN_LOCK: _("Helpdesk cleared the sign-in lock"),
    DISABLED_ACCOUNT: _("Helpdesk disabled the account"),
    ACTION_REFUSED: _("A helpdesk action on this account was refused: only a superuser may act on staff accounts"),
}
