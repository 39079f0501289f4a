from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailClientsConfig(AppConfig):
    name = "security.mail_clients"
    label = "mail_clients"
    verbose_name = _("Mail app setup")

    def ready(self):
        from . import checks  # noqa: F401  (checks registers itself)
