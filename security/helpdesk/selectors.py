"""What helpdesk sees of a user's security: states and names only, never a secret (docs/security.md item 34)."""

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.utils.translation import pgettext_lazy

from security.app_passwords.selectors import app_password_list_for
from security.mail_policy.selectors import mail_use_for
from security.mail_policy.services import mail_lock_state_for
from security.overview.selectors import security_events_recent_for, security_overview_for
from security.sessions.selectors import user_session_list_for
from security.trusted_devices.selectors import trusted_device_list_for

RECENT_EVENTS_FOR_HELPDESK = 20


def sign_in_lock_state_for(*, user) -> dict:
    totals = AccessAttempt.objects.filter(username=user.email).aggregate(
        failures=Sum("failures_since_start"), last=Max("attempt_time")
    )
    failures = totals["failures"] or 0
    return {"failures": failures, "locked": failures >= settings.AXES_FAILURE_LIMIT, "last_failure": totals["last"]}


def _mail_lock_state_for(*, user) -> dict:
    return {**mail_lock_state_for(user=user), "main_password": mail_use_for(user=user)}


# A context of their own: the bare words are also field names ("revoked" is the revoked_at column, 撤销时间).
APP_PASSWORD_STATUS_LABELS = {
    "active": pgettext_lazy("app password status", "active"),
    "revoked": pgettext_lazy("app password status", "revoked"),
    "expired": pgettext_lazy("app password status", "expired"),
    "suspended": pgettext_lazy("app password status", "account disabled"),
}


def app_passwords_for_helpdesk(*, user) -> list[dict]:
    """Names, scopes, dates and status: never the token or its hash."""
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
    return {
        **security_overview_for(user=user),
        "app_password_list": app_passwords_for_helpdesk(user=user),
        "trusted_device_list": trusted_device_list_for(user=user, current_id=None),
        "session_list": user_session_list_for(user=user, current_key=None),
        "sign_in_lock": sign_in_lock_state_for(user=user),
        "mail_lock": _mail_lock_state_for(user=user),
        "events": security_events_recent_for(user=user, limit=RECENT_EVENTS_FOR_HELPDESK),
    }
