"""What helpdesk sees of a user's security: states and names only, never a secret (SECURITY.md 34)."""

from django.conf import settings
from django.db.models import Max, Sum

from security.selectors import security_events_recent_for, security_overview_for

RECENT_EVENTS_FOR_HELPDESK = 20


def sign_in_lock_state_for(*, user) -> dict:
    from axes.models import AccessAttempt

    totals = AccessAttempt.objects.filter(username=user.email).aggregate(
        failures=Sum("failures_since_start"), last=Max("attempt_time")
    )
    failures = totals["failures"] or 0
    return {"failures": failures, "locked": failures >= settings.AXES_FAILURE_LIMIT, "last_failure": totals["last"]}


def helpdesk_security_state_for(*, user) -> dict:
    return {
        **security_overview_for(user=user),
        "sign_in_lock": sign_in_lock_state_for(user=user),
        "events": security_events_recent_for(user=user, limit=RECENT_EVENTS_FOR_HELPDESK),
    }
