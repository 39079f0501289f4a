from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailPolicyConfig(AppConfig):
    name = "security.mail_policy"
    label = "mail_policy"
    verbose_name = _("Mail sign-in policy")

    def ready(self):
        from django.core.checks import register

        from security.event_kinds import register_event_kinds

        from . import checks, events

        register_event_kinds(events.EVENT_KINDS)
        register(checks.policy_settings_check)
