from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrustedDevicesConfig(AppConfig):
    name = "security.trusted_devices"
    label = "trusted_devices"
    verbose_name = _("Trusted devices")

    def ready(self):
        from security.event_kinds import register_event_kinds

        from . import events, receivers  # noqa: F401  (connects the signal receivers)

        register_event_kinds(events.EVENT_KINDS)
