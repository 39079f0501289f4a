"""The registry of signed-in sessions and the absolute session limit (docs/security.md items 31, 32).

Invariants:
- Each signed-in Django session has one ``UserSession`` row (written on ``user_logged_in``, kept current by the
  middleware, deleted on sign-out), so the user and the helpdesk can see and end sessions.
- Ending a session deletes it from the session store, so its next request is signed out.
- The absolute limit counts from ``SIGNED_IN_AT_KEY``, written by the completed sign-in; the idle limit is Django's own.
"""

from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils import timezone

from security.audit import security_event_record
from security.client import Client, describe_user_agent_for

from . import events
from .models import UserSession

SESSION_RECORD_KEY = "user_session_id"
# What the record was last written with, kept in the session: [record id, session key, digest of the security stamp,
# IP, time of the write]. While all of it still holds and the write is younger than
# PORTAL_SESSION_ACTIVITY_WRITE_SECONDS, ``user_session_touch`` knows the record is current without reading it.
SESSION_RECORD_WRITTEN_KEY = "user_session_written"
# Written by the completed sign-in (accounts.services.sign_in); the absolute limit counts from it.
SIGNED_IN_AT_KEY = "signed_in_at"


def _session_store() -> type[SessionBase]:
    return import_module(settings.SESSION_ENGINE).SessionStore


def user_session_start(*, request, user) -> UserSession:
    """Called when ``auth.login`` succeeds: the session appears in the user's list."""
    if not request.session.session_key:
        request.session.save()
    client = Client.from_request(request)
    now = timezone.now()
    record, _created = UserSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "security_stamp": user.security_stamp,
            "user_agent": client.user_agent,
            "ip_address": client.ip,
            "signed_in_at": now,
            "last_activity_at": now,
        },
    )
    request.session[SESSION_RECORD_KEY] = record.pk
    _record_written(request, record.pk, user, client.ip, now)
    return record


def _record_state(request, record_id, user, ip: str | None) -> list:
    # The stamp's digest (the one Django's session check uses), not the stamp: the session's data need not carry a
    # copy of the user's secret.
    return [record_id, request.session.session_key, user.get_session_auth_hash(), ip]


def _record_written(request, record_id, user, ip: str | None, at) -> None:
    written = [*_record_state(request, record_id, user, ip), at.timestamp()]
    if request.session.get(SESSION_RECORD_WRITTEN_KEY) != written:  # setting it again would save the session
        request.session[SESSION_RECORD_WRITTEN_KEY] = written


def user_session_touch(*, request) -> None:
    """On each signed-in request: keep the record's key, stamp, IP and last activity current (one write a minute).
    When the session shows the record written this minute with the same key, stamp and IP, nothing is read: every
    path that deletes a record also deletes its session (``user_session_end``, ``user_sessions_end_all``, sign-out),
    so such a session is signed out rather than left unregistered."""
    user = request.user
    client = Client.from_request(request)
    now = timezone.now()
    interval = settings.PORTAL_SESSION_ACTIVITY_WRITE_SECONDS
    record_id = request.session.get(SESSION_RECORD_KEY)
    written = request.session.get(SESSION_RECORD_WRITTEN_KEY)
    if (
        isinstance(written, list)
        and len(written) == 5
        and written[:4] == _record_state(request, record_id, user, client.ip)
        and isinstance(written[4], int | float)
        and 0 <= now.timestamp() - written[4] < interval
    ):
        return
    record = UserSession.objects.filter(pk=record_id, user=user).first()
    if record is None:
        user_session_start(request=request, user=user)
        return
    changed = {
        "session_key": request.session.session_key,
        "security_stamp": user.security_stamp,
        "ip_address": client.ip,
    }
    stale = now - record.last_activity_at >= timedelta(seconds=interval)
    if stale or any(getattr(record, field) != value for field, value in changed.items()):
        changed["last_activity_at"] = now
        UserSession.objects.filter(pk=record.pk).update(**changed)
        _record_written(request, record.pk, user, client.ip, now)
    else:
        _record_written(request, record.pk, user, client.ip, record.last_activity_at)


def user_session_forget(*, session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def user_session_end(*, user, session_id: int, client: Client) -> bool:
    """End one of the user's sessions on the server: its next request is signed out."""
    with transaction.atomic():
        record = UserSession.objects.select_for_update().filter(user=user, pk=session_id).first()
        if record is None:
            return False
        _session_store()().delete(record.session_key)
        record.delete()
        security_event_record(
            user=user,
            actor=user,
            kind=events.SESSION_ENDED,
            client=client,
            details={"device": describe_user_agent_for(user, record.user_agent)},
        )
    return True


def user_sessions_end_all(*, user, client: Client, actor, reason: str = "") -> int:
    """Helpdesk: end every signed-in session of the user on the server. Trusted devices stay trusted."""
    with transaction.atomic():
        records = list(UserSession.objects.select_for_update().filter(user=user))
        store = _session_store()()
        for record in records:
            store.delete(record.session_key)
        UserSession.objects.filter(pk__in=[record.pk for record in records]).delete()
        security_event_record(
            user=user,
            actor=actor,
            kind=events.SESSIONS_ENDED_ALL,
            client=client,
            details={"count": len(records), **({"reason": reason} if reason else {})},
            notify=True,
        )
    return len(records)


def user_sessions_end_others(*, user, keep_session_key: str | None, client: Client) -> int:
    with transaction.atomic():
        records = list(UserSession.objects.select_for_update().filter(user=user).exclude(session_key=keep_session_key))
        store = _session_store()()
        for record in records:
            store.delete(record.session_key)
        UserSession.objects.filter(pk__in=[record.pk for record in records]).delete()
        if records:
            security_event_record(
                user=user, actor=user, kind=events.SESSIONS_ENDED_OTHERS, client=client, details={"count": len(records)}
            )
    return len(records)
