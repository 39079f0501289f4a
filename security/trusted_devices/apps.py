from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrustedDevicesConfig(AppConfig):
    name = "security.trusted_devices"
    label = "trusted_devices"
    verbose_name = _("Trusted devices")

    def ready(self):
        from accounts.second_step import second_step_skip_register
        from accounts.services.passwords import password_change_consequence_register

        from . import receivers  # noqa: F401  (connects the signal receivers)
        from .selectors import password_change_forgets_devices
        from .skip import TRUSTED_DEVICE_SKIP

        password_change_consequence_register(password_change_forgets_devices)
        second_step_skip_register(TRUSTED_DEVICE_SKIP)  # "may this browser skip the code?" at sign-in
