from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PasskeysConfig(AppConfig):
    name = "security.passkeys"
    label = "passkeys"
    verbose_name = _("Passkeys and security keys")

    def ready(self):
        from . import checks, method  # noqa: F401  (registering: the second-step method, the system check)
