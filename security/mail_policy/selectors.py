"""Reads for pages: the account password's last mail use."""

from .models import MailAccountUse


def mail_use_for(*, user) -> dict | None:
    use = MailAccountUse.objects.filter(user=user).first()
    if use is None or use.last_used_at is None:
        return None
    return {"at": use.last_used_at, "ip": use.last_used_ip, "protocol": use.last_used_protocol}


def mail_uses_for(*, user) -> list[dict]:
    """For the activity page: each credential's last mail sign-in, newest first (one row each, not one per login)."""
    from django.utils.translation import gettext as _

    from security.app_passwords.selectors import app_password_list_for

    rows = [
        {
            "name": app_password.name,
            "at": app_password.last_used_at,
            "ip": app_password.last_used_ip,
            "protocol": app_password.last_used_protocol,
        }
        for app_password in app_password_list_for(user=user)
        if app_password.last_used_at
    ]
    main = mail_use_for(user=user)
    if main:
        rows.append({"name": _("Account password"), **main})
    return sorted(rows, key=lambda row: row["at"], reverse=True)
