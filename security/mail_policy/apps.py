from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailPolicyConfig(AppConfig):
    name = "security.mail_policy"
    label = "mail_policy"
    verbose_name = _("Mail sign-in policy")

    def ready(self):
        from django.core.checks import register

        from security.app_passwords.mail_server_config import config_files_register

        from . import checks, dovecot_config

        register(checks.policy_settings_check)
        config_files_register("mail_policy", dovecot_config.policy_files)
