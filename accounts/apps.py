from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from security.event_kinds import register_event_kinds

        from . import events

        register_event_kinds(events.EVENT_KINDS)
