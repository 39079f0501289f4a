"""The one way to record a security event (docs/security.md items 7, 35).

Invariants:
- Every service that changes a password, factor, phone, app password or device calls ``security_event_record``.
  Nothing else writes ``SecurityEvent``.
- ``details`` never holds a secret: no password, code, token or hash. Callers pass names and ids only.
- With ``notify=True`` the user gets an e-mail about it (security/notifications.py), sent after commit.
"""

import logging

from .client import Client
from .event_kinds import event_kind_is_registered
from .models import ActorKind, SecurityEvent
from .notifications import notification_create_for_event

log = logging.getLogger("portal.security")


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
    if not event_kind_is_registered(kind):
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
        notification_create_for_event(event)
    return event
