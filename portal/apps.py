from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class PortalConfig(AppConfig):
    default = True
    name = "portal"
    verbose_name = "Portal"

    def ready(self):
        from . import checks  # noqa: F401  (registers the deployment checks)


class PortalAdminConfig(admin_apps.AdminConfig):
    """The default admin site asks for a verified second factor (security/two_factor/admin_site.py)."""

    default = False  # named in INSTALLED_APPS; "portal" itself is PortalConfig
    default_site = "security.two_factor.admin_site.PortalOTPAdminSite"
