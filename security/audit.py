"""The one way to record a security event (docs/security.md items 7, 35).

Invariants:
- Every service that changes a password, factor, phone, app password or device calls ``security_event_record``.
  Nothing else writes ``SecurityEvent``.
- ``details`` never holds a secret: no password, code, token or hash. Callers pass names and ids only.
- With ``notify=True`` the user gets an e-mail about it (security/notifications.py), sent after commit.
"""

import logging
from importlib import import_module

from django.apps import apps
from django.utils.functional import Promise
from django.utils.module_loading import module_has_submodule

from .client import Client
from .models import ActorKind, SecurityEvent

log = logging.getLogger("portal.security")

_EVENT_KINDS: dict[str, Promise | str] = {}


def register_event_kinds(kinds: dict) -> None:
    """Add event kinds with their translatable labels (``event_kinds_discover`` does it for every app)."""
    _EVENT_KINDS.update(kinds)


def event_kinds_discover() -> None:
    """Register the ``EVENT_KINDS`` of every installed app's ``events`` module, as the admin discovers ``admin``
    modules. Run once, from ``SecurityConfig.ready``; an app records events by adding ``events.py``."""
    for app_config in apps.get_app_configs():
        if module_has_submodule(app_config.module, "events"):
            register_event_kinds(getattr(import_module(f"{app_config.name}.events"), "EVENT_KINDS", {}))


def event_description(kind: str, details: dict | None = None) -> str:
    """The translated sentence for an event. Labels may use ``%(name)s``-style fields from ``details``."""
    label = str(_EVENT_KINDS.get(kind, kind))
    try:
        return label % (details or {})
    except (KeyError, TypeError, ValueError):
        return label


def security_event_record(
    *,
    user,
    kind: str,
    client: Client | None = None,
    actor=None,
    actor_kind: str | None = None,
    details: dict | None = None,
    notify: bool = False,
) -> SecurityEvent:
    if kind not in _EVENT_KINDS:
        raise ValueError(f"unregistered security event kind: {kind}")
    client = client or Client()
    if actor_kind is None:
        if actor is None:
            actor_kind = ActorKind.SYSTEM
        elif actor.pk == user.pk:
            actor_kind = ActorKind.USER
        else:
            actor_kind = ActorKind.STAFF
    event = SecurityEvent.objects.create(
        user=user,
        actor=actor,
        actor_kind=actor_kind,
        kind=kind,
        ip_address=client.ip,
        user_agent=client.user_agent,
        details=details or {},
    )
    log.info("security event %s user=%s actor=%s ip=%s", kind, user.pk, actor_kind, client.ip)
    if notify:
        from .notifications import notification_create_for_event

        notification_create_for_event(event)
    return event
