from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppPasswordsConfig(AppConfig):
    name = "security.app_passwords"
    label = "app_passwords"
    verbose_name = _("App passwords")
