from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PhoneConfig(AppConfig):
    name = "security.phone"
    label = "phone"
    verbose_name = _("Phone")

    def ready(self):
        from security.event_kinds import register_event_kinds

        from . import checks, events  # noqa: F401  (checks registers itself)

        register_event_kinds(events.EVENT_KINDS)
