"""Reads for app passwords. Query counts do not grow with the number of app passwords."""

from django.urls import reverse

from portal.conf import portal_settings

from .models import AppPassword


def app_password_overview(*, user) -> dict:
    """What the Security overview card shows."""
    return {
        "active_count": AppPassword.objects.filter(user=user).active().count(),
        "manage_url": reverse("app_passwords:list"),
    }


def app_password_list_for(*, user) -> list[AppPassword]:
    """Newest first; revoked ones stay visible (greyed) so the user can see what was cut off and when."""
    return list(AppPassword.objects.filter(user=user).order_by("-created_at", "-id"))


def app_password_active_count(*, user) -> int:
    return AppPassword.objects.filter(user=user).active().count()


def mail_client_settings() -> list[dict]:
    """Server settings a mail client needs, from ``PORTAL_MAIL_*`` settings."""
    return [
        {
            "protocol": protocol,
            "host": getattr(portal_settings, f"mail_{protocol.lower()}_host"),
            "port": getattr(portal_settings, f"mail_{protocol.lower()}_port"),
            "security": getattr(portal_settings, f"mail_{protocol.lower()}_security"),
        }
        for protocol in ("SMTP", "IMAP", "POP3")
    ]
