from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SessionsConfig(AppConfig):
    name = "security.sessions"
    # "sessions" is django.contrib.sessions' label.
    label = "user_sessions"
    verbose_name = _("Signed-in sessions")

    def ready(self):
        from . import receivers  # noqa: F401  (connects the signal receivers)

