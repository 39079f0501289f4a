from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrustedDevicesConfig(AppConfig):
    name = "security.trusted_devices"
    label = "trusted_devices"
    verbose_name = _("Trusted devices and sessions")

    def ready(self):
        from . import receivers  # noqa: F401  (connects the signal receivers)
