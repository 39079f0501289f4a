"""Reads for the Security overview and the activity page. Query counts do not grow with the user's data."""

from django.db.models import Count, IntegerField, Q, Subquery
from django.db.models.functions import Coalesce

from accounts.models import User
from accounts.recovery.services import recovery_channels_for
from security.app_passwords.selectors import app_password_overview, app_passwords_active
from security.client import describe_user_agent
from security.event_kinds import event_description
from security.models import ActorKind, SecurityEvent
from security.phone.selectors import phone_card, phone_number_query
from security.trusted_devices.selectors import trusted_device_overview, trusted_devices_active_for
from security.two_factor.selectors import two_step_overview

RECENT_EVENTS_ON_OVERVIEW = 5


# The activity page's filter: a kind of event is a group of event-kind prefixes (each app names its kinds
# "<area>.<what>", the phone app "phone_…" and "sms_…").
ACTIVITY_KIND_PREFIXES = {
    "sign_in": (
        "account.signed_in",
        "account.sign_in_failed",
        "account.signed_out",
        "trusted_devices.signed_in",
        "two_step.second_factor",
        "sessions.",
    ),
    "password": ("account.password", "account.recovery"),
    "two_step": ("two_step.enabled", "two_step.disabled", "two_step.authenticator", "two_step.recovery_code"),
    "phone": ("phone_", "sms_"),
    "app_passwords": ("app_password.", "mail."),
    "devices": ("trusted_devices.trusted", "trusted_devices.renamed", "trusted_devices.revoked"),
    "alerts": ("notifications.",),
}


def security_events_recent_for(*, user, limit: int, kind: str = "") -> list[dict]:
    """The newest events, optionally of one kind (a key of ``ACTIVITY_KIND_PREFIXES``; forms validate it)."""
    events = SecurityEvent.objects.filter(user=user)
    if kind:
        match = Q()
        for prefix in ACTIVITY_KIND_PREFIXES[kind]:
            match |= Q(kind__startswith=prefix)
        events = events.filter(match)
    events = events.order_by("-created_at", "-id")[:limit]
    return [
        {
            "description": event_description(event.kind, event.details),
            "created_at": event.created_at,
            "ip_address": event.ip_address,
            "device": describe_user_agent(event.user_agent) if event.user_agent else "",
            "actor_kind": event.get_actor_kind_display(),
            "by_helpdesk": event.actor_kind == ActorKind.STAFF,
            "reason": (event.details or {}).get("reason", "") if event.actor_kind == ActorKind.STAFF else "",
        }
        for event in events
    ]


def _count(queryset) -> Coalesce:
    """``queryset.count()`` as a scalar subquery (one group: every queryset here is filtered to one user)."""
    counted = queryset.order_by().values("user").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _card_figures(*, user) -> dict:
    """The bound phone and the two counts the cards show, in one query: each app's own queryset (its rules) as a
    scalar subquery, rather than three round trips."""
    return (
        User.objects.filter(pk=user.pk)
        .annotate(
            phone_number=Subquery(phone_number_query(user=user)),
            app_passwords_active=_count(app_passwords_active(user=user)),
            trusted_devices_active=_count(trusted_devices_active_for(user=user)),
        )
        .values("phone_number", "app_passwords_active", "trusted_devices_active")
        .get()
    )


def security_overview_for(*, user) -> dict:
    figures = _card_figures(user=user)
    number = figures["phone_number"]
    phone = phone_card(number=str(number) if number else None)
    return {
        "two_step": two_step_overview(user=user, factors_when_off=False),
        "phone": phone,
        "app_passwords": app_password_overview(active_count=figures["app_passwords_active"]),
        "trusted_devices": trusted_device_overview(count=figures["trusted_devices_active"]),
        "recent_events": security_events_recent_for(user=user, limit=RECENT_EVENTS_ON_OVERVIEW),
        "recovery": recovery_channels_for(user=user, has_phone=phone["masked"] is not None),
    }
