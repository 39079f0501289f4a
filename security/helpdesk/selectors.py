"""What helpdesk sees of a user's security: states and names only, never a secret (SECURITY.md 34)."""

from django.conf import settings
from django.db.models import Max, Sum
from django.utils.translation import gettext_lazy as _

from security.selectors import security_events_recent_for, security_overview_for

RECENT_EVENTS_FOR_HELPDESK = 20


def sign_in_lock_state_for(*, user) -> dict:
    from axes.models import AccessAttempt

    totals = AccessAttempt.objects.filter(username=user.email).aggregate(
        failures=Sum("failures_since_start"), last=Max("attempt_time")
    )
    failures = totals["failures"] or 0
    return {"failures": failures, "locked": failures >= settings.AXES_FAILURE_LIMIT, "last_failure": totals["last"]}


def _mail_lock_state_for(*, user) -> dict:
    from security.mail_policy.selectors import mail_use_for
    from security.mail_policy.services import mail_lock_state_for

    return {**mail_lock_state_for(user=user), "main_password": mail_use_for(user=user)}


APP_PASSWORD_STATUS_LABELS = {
    "active": _("active"),
    "revoked": _("revoked"),
    "expired": _("expired"),
    "suspended": _("account disabled"),
}


def app_passwords_for_helpdesk(*, user) -> list[dict]:
    """Names, scopes, dates and status: never the token or its hash."""
    from security.app_passwords.selectors import app_password_list_for

    return [
        {
            "name": app_password.name,
            "scope": app_password.get_scope_display(),
            "created_at": app_password.created_at,
            "expires_at": app_password.expires_at,
            "last_used_at": app_password.last_used_at,
            "last_used_ip": app_password.last_used_ip,
            "last_used_protocol": app_password.last_used_protocol,
            "status": APP_PASSWORD_STATUS_LABELS[app_password.status],
        }
        for app_password in app_password_list_for(user=user)
    ]


def helpdesk_security_state_for(*, user) -> dict:
    from security.trusted_devices.selectors import trusted_device_list_for, user_session_list_for

    return {
        **security_overview_for(user=user),
        "app_password_list": app_passwords_for_helpdesk(user=user),
        "trusted_device_list": trusted_device_list_for(user=user, current_id=None),
        "session_list": user_session_list_for(user=user, current_key=None),
        "sign_in_lock": sign_in_lock_state_for(user=user),
        "mail_lock": _mail_lock_state_for(user=user),
        "events": security_events_recent_for(user=user, limit=RECENT_EVENTS_FOR_HELPDESK),
    }
