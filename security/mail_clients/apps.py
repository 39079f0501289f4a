from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailClientsConfig(AppConfig):
    name = "security.mail_clients"
    label = "mail_clients"
    verbose_name = _("Mail app setup")

    def ready(self):
        from security.app_passwords.views import created_page_extra_register

        from . import checks  # noqa: F401  (checks registers itself)
        from .guides import mail_guides_for

        created_page_extra_register(
            "mail_clients",
            lambda *, app_password, login: {"mail_guides": mail_guides_for(name=app_password.name, login=login)},
        )
