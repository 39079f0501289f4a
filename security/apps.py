from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "security"
    verbose_name = _("Security")

    def ready(self):
        from .event_kinds import event_kinds_discover

        # Every app's events.py names its kinds; one registry translates them all (security/event_kinds.py).
        event_kinds_discover()
