"""Security events of the mail policy server: only the unusual, never one per login."""

from django.utils.translation import gettext_lazy as _

NEW_NETWORK = "mail.app_password_new_network"
FAILURE_BURST = "mail.failure_burst"
LOCKED = "mail.locked"

EVENT_KINDS = {
    NEW_NETWORK: _("App password “%(name)s” used over %(protocol)s from a new network (%(network)s)"),
    FAILURE_BURST: _("Many failed mail sign-ins (%(count)s in %(minutes)s minutes)"),
    LOCKED: _("Mail sign-in (SMTP, IMAP, POP3) locked after %(count)s failed attempts"),
}
