from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TwoFactorConfig(AppConfig):
    name = "security.two_factor"
    label = "two_factor"
    verbose_name = _("Two-step verification")

    def ready(self):

        from . import checks, phone_method  # noqa: F401  (registering: SMS method, system check)

