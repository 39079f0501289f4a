from django.contrib import admin
from django.urls import include, path

from portal.health import HealthView
from security.mail_clients.urls import discovery_urlpatterns

urlpatterns = [
    path("", include("security.overview.urls")),
    path("account/recovery/", include("accounts.recovery.urls")),
    path("account/", include("accounts.urls")),
    path("two-step/", include("security.two_factor.urls")),
    path("phone/", include("security.phone.urls")),
    path("app-passwords/", include("security.app_passwords.urls")),
    path("devices/", include("security.trusted_devices.urls")),
    path("two-step/passkeys/", include("security.passkeys.urls")),
    path("mail-setup/", include("security.mail_clients.urls")),
    path("admin/", admin.site.urls),
    path("health/", HealthView.as_view(), name="health"),
]

# Thunderbird autoconfig and Outlook autodiscover, at the paths mail apps ask for (docs/mail-clients.md).
urlpatterns += discovery_urlpatterns

handler500 = "portal.errors.server_error"
