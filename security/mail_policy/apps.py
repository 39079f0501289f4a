from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailPolicyConfig(AppConfig):
    name = "security.mail_policy"
    label = "mail_policy"
    verbose_name = _("Mail sign-in policy")

    def ready(self):
        from django.core.checks import register

        from . import checks

        register(checks.policy_settings_check)
