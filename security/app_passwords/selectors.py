"""Reads for app passwords. Query counts do not grow with the number of app passwords."""

from django.conf import settings
from django.urls import reverse

from .models import AppPassword


def app_password_overview(*, user) -> dict:
    """What the Security overview card shows."""
    return {
        "active_count": AppPassword.objects.filter(user=user).active().count(),
        "manage_url": reverse("app_passwords:list"),
    }


def app_password_list_for(*, user, include_revoked: bool = True) -> list[AppPassword]:
    """Newest first; revoked ones stay visible (greyed) so the user can see what was cut off and when."""
    qs = user.app_passwords.all()  # each row's ``user`` is this one (``status`` reads it) without a query
    if not include_revoked:
        qs = qs.filter(revoked_at__isnull=True)
    return list(qs.order_by("-created_at", "-id"))


def app_password_active_count(*, user) -> int:
    return AppPassword.objects.filter(user=user).active().count()


def mail_client_settings() -> list[dict]:
    """Server settings a mail client needs, from ``PORTAL_MAIL_*`` settings."""
    return [
        {
            "protocol": protocol,
            "host": getattr(settings, f"PORTAL_MAIL_{key}_HOST"),
            "port": getattr(settings, f"PORTAL_MAIL_{key}_PORT"),
            "security": getattr(settings, f"PORTAL_MAIL_{key}_SECURITY"),
        }
        for protocol, key in (("SMTP", "SMTP"), ("IMAP", "IMAP"), ("POP3", "POP3"))
    ]
