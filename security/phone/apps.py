from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PhoneConfig(AppConfig):
    name = "security.phone"
    label = "phone"
    verbose_name = _("Phone")

    def ready(self):
        from . import checks  # noqa: F401  (checks registers itself)
