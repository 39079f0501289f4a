"""Security events recorded for signed-in sessions (see ``security.audit``)."""

from django.utils.translation import gettext_lazy as _

SESSION_ENDED = "sessions.ended"
SESSIONS_ENDED_OTHERS = "sessions.ended_others"
SESSIONS_ENDED_ALL = "sessions.ended_all"
SESSION_EXPIRED = "sessions.expired"

EVENT_KINDS = {
    SESSION_ENDED: _("Session on %(device)s ended"),
    SESSIONS_ENDED_OTHERS: _("All other sessions ended (%(count)s)"),
    SESSIONS_ENDED_ALL: _("Signed out everywhere (%(count)s sessions)"),
    SESSION_EXPIRED: _("Session ended after the absolute time limit"),
}
