from django.apps import AppConfig


class RecoveryConfig(AppConfig):
    name = "accounts.recovery"
    label = "recovery"

    def ready(self):
        from . import receivers  # noqa: F401 - a normal sign-in cancels a pending recovery
