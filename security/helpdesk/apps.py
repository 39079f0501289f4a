from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HelpdeskConfig(AppConfig):
    name = "security.helpdesk"
    label = "helpdesk"
    verbose_name = _("Helpdesk")

    def ready(self):
        from security.event_kinds import register_event_kinds

        from . import events

        register_event_kinds(events.EVENT_KINDS)
