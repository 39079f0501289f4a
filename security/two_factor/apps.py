from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TwoFactorConfig(AppConfig):
    name = "security.two_factor"
    label = "two_factor"
    verbose_name = _("Two-step verification")

    def ready(self):
        from security.event_kinds import register_event_kinds

        from . import admin_site, checks, events, phone_method  # noqa: F401  (registering: SMS method, system check)

        register_event_kinds(events.EVENT_KINDS)
        admin_site.admin_site_require_second_factor()
