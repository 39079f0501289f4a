"""Trusting a browser, checking it at sign-in, revoking it; and the registry of signed-in sessions
(SECURITY.md 27, 28, 29, 31, 32).

Invariants:
- A plaintext trust token exists only in the return value of ``trusted_device_create`` and in the user's cookie.
- Trust only ever replaces the *code* at sign-in: the password is still checked first, the sign-in does not count as
  a fresh second factor (``reauth``), and it does not verify the session for django-otp (the admin asks again).
- Every check is against the server: existence, hash, expiry, owner and security stamp. A cookie that fails any of
  them is ignored and cleared; it never causes an error page.
- Each write runs in ``transaction.atomic()`` with the user's row locked, so two quick sign-ins from one browser do
  not leave two devices.
"""

import secrets
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils import timezone, translation

from accounts.models import User
from accounts.services.users import user_lock
from security import tokens
from security.audit import security_event_record
from security.client import Client, describe_user_agent

from . import events
from .models import TrustedDevice, UserSession

TOKEN_SECRET_BYTES = 32  # 256 bits
LOOKUP_ID_BYTES = 12
_COOKIE_MAX = 200
# A second "trust this device" from the same browser within this window refreshes the first device.
DUPLICATE_WINDOW = timedelta(minutes=2)
SESSION_RECORD_KEY = "user_session_id"
# Set on the request by whoever decides the cookie must change; the middleware applies it to the response.
COOKIE_SET_ATTR = "trusted_device_cookie_set"  # (value, expires_at)
COOKIE_CLEAR_ATTR = "trusted_device_cookie_clear"


# --- The cookie -------------------------------------------------------------------------------------------
def trusted_device_cookie_name() -> str:
    if settings.PORTAL_TRUSTED_DEVICE_COOKIE_NAME:
        return settings.PORTAL_TRUSTED_DEVICE_COOKIE_NAME
    return "__Host-trusted_device" if settings.SESSION_COOKIE_SECURE else "trusted_device"


def trusted_device_cookie_set(response, *, value: str, expires_at) -> None:
    response.set_cookie(
        trusted_device_cookie_name(),
        value,
        expires=expires_at,
        path="/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def trusted_device_cookie_clear(response) -> None:
    response.delete_cookie(trusted_device_cookie_name(), path="/", samesite="Lax")


def _split(cookie_value: str | None) -> tuple[str, str] | None:
    if not cookie_value or len(cookie_value) > _COOKIE_MAX or cookie_value.count(".") != 1:
        return None
    lookup_id, secret = cookie_value.split(".")
    if not lookup_id or not secret:
        return None
    return lookup_id, secret


def _valid_device(*, user: User, cookie_value: str | None, for_update: bool = False) -> TrustedDevice | None:
    parts = _split(cookie_value)
    if parts is None:
        return None
    lookup_id, secret = parts
    devices = TrustedDevice.objects.filter(lookup_id=lookup_id, user=user)
    if for_update:
        devices = devices.select_for_update()
    device = devices.first()
    if device is None:
        return None
    if not tokens.token_matches(tokens.TRUSTED_DEVICE, secret, device.token_sha256):
        return None
    if device.expires_at <= timezone.now() or device.security_stamp != user.security_stamp:
        return None
    return device


def _describe_for(user: User, user_agent: str) -> str:
    """A device name for an event's details, in the user's language (as their e-mail will be), not the viewer's."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        return describe_user_agent(user_agent)


def _device_label(device: TrustedDevice) -> str:
    return device.name or _describe_for(device.user, device.user_agent)


# --- Trusted devices --------------------------------------------------------------------------------------
def trusted_device_create(*, user: User, client: Client, cookie_value: str | None) -> tuple[TrustedDevice, str]:
    """Trust the browser the user just passed the second step in. Returns the device and the cookie value."""
    now = timezone.now()
    secret = secrets.token_urlsafe(TOKEN_SECRET_BYTES)
    with transaction.atomic():
        user = user_lock(user.pk)
        device = _valid_device(user=user, cookie_value=cookie_value, for_update=True)
        if device is None:
            device = (
                TrustedDevice.objects.select_for_update()
                .filter(
                    user=user,
                    user_agent=client.user_agent,
                    last_ip=client.ip,
                    created_at__gte=now - DUPLICATE_WINDOW,
                    security_stamp=user.security_stamp,
                )
                .first()
            )
        created = device is None
        if created:
            device = TrustedDevice(user=user, lookup_id=secrets.token_urlsafe(LOOKUP_ID_BYTES), created_at=now)
        device.token_sha256 = tokens.token_digest(tokens.TRUSTED_DEVICE, secret)
        device.security_stamp = user.security_stamp
        device.user_agent = client.user_agent
        device.last_seen_at = now
        device.last_ip = client.ip
        device.expires_at = now + timedelta(days=settings.PORTAL_TRUSTED_DEVICE_DAYS)
        device.save()
        if created:
            security_event_record(
                user=user,
                actor=user,
                kind=events.DEVICE_TRUSTED,
                client=client,
                details={"device": _describe_for(user, client.user_agent), "ip": client.ip or "-"},
                notify=True,
            )
    return device, f"{device.lookup_id}.{secret}"


def trusted_device_for_sign_in(*, user: User, cookie_value: str | None, client: Client) -> TrustedDevice | None:
    """After a correct password: the trusted device this browser's cookie proves, or None (then ask for a code)."""
    if not cookie_value or not user.two_step_enabled:
        return None
    with transaction.atomic():
        device = _valid_device(user=user, cookie_value=cookie_value, for_update=True)
        if device is None:
            return None
        device.last_seen_at = timezone.now()
        device.last_ip = client.ip
        device.save(update_fields=["last_seen_at", "last_ip"])
        security_event_record(
            user=user,
            actor=user,
            kind=events.SIGNED_IN_ON_TRUSTED_DEVICE,
            client=client,
            details={"device": _device_label(device), "device_id": device.pk},
        )
    return device


def trusted_device_current_id(*, user: User, cookie_value: str | None) -> int | None:
    device = _valid_device(user=user, cookie_value=cookie_value)
    return device.pk if device else None


def trusted_device_rename(*, user: User, device_id: int, name: str, client: Client) -> bool:
    with transaction.atomic():
        device = TrustedDevice.objects.select_for_update().filter(user=user, pk=device_id).first()
        if device is None:
            return False
        device.name = name
        device.save(update_fields=["name"])
        security_event_record(user=user, actor=user, kind=events.DEVICE_RENAMED, client=client, details={"name": name})
    return True


def trusted_device_revoke(*, user: User, device_id: int, client: Client, actor: User | None = None) -> bool:
    with transaction.atomic():
        device = TrustedDevice.objects.select_for_update().filter(user=user, pk=device_id).first()
        if device is None:
            return False
        label = _device_label(device)
        device.delete()
        security_event_record(
            user=user, actor=actor or user, kind=events.DEVICE_REVOKED, client=client, details={"device": label}
        )
    return True


def trusted_devices_revoke_all(
    *, user: User, client: Client, actor: User | None = None, notify: bool = False, reason: str = ""
) -> int:
    """Revoke every trusted device (user's choice, password change or reset, two-step off, helpdesk)."""
    with transaction.atomic():
        count, _by_model = TrustedDevice.objects.filter(user=user).delete()
        if count:
            security_event_record(
                user=user,
                actor=actor,
                kind=events.DEVICES_REVOKED_ALL,
                client=client,
                details={"count": count, **({"reason": reason} if reason else {})},
                notify=notify,
            )
    return count


# --- Signed-in sessions ------------------------------------------------------------------------------------
def _session_store() -> type[SessionBase]:
    return import_module(settings.SESSION_ENGINE).SessionStore


def user_session_start(*, request, user: User) -> UserSession:
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
    return record


def user_session_touch(*, request) -> None:
    """On each signed-in request: keep the record's key, stamp, IP and last activity current (one write a minute)."""
    user = request.user
    record = UserSession.objects.filter(pk=request.session.get(SESSION_RECORD_KEY), user=user).first()
    if record is None:
        user_session_start(request=request, user=user)
        return
    now = timezone.now()
    client = Client.from_request(request)
    changed = {
        "session_key": request.session.session_key,
        "security_stamp": user.security_stamp,
        "ip_address": client.ip,
    }
    stale = now - record.last_activity_at >= timedelta(seconds=settings.PORTAL_SESSION_ACTIVITY_WRITE_SECONDS)
    if stale or any(getattr(record, field) != value for field, value in changed.items()):
        changed["last_activity_at"] = now
        UserSession.objects.filter(pk=record.pk).update(**changed)


def user_session_forget(*, session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def user_session_end(*, user: User, session_id: int, client: Client) -> bool:
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
            details={"device": _describe_for(user, record.user_agent)},
        )
    return True


def user_sessions_end_all(*, user: User, client: Client, actor: User, reason: str = "") -> int:
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


def user_sessions_end_others(*, user: User, keep_session_key: str | None, client: Client) -> int:
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


def trusted_device_cookie_is_dead(*, cookie_value: str | None) -> bool:
    """True if the cookie can never work again for anyone (forged, tampered, revoked, expired, password changed):
    then it is cleared. A valid cookie of another account on the same browser is left alone."""
    parts = _split(cookie_value)
    if parts is None:
        return True
    lookup_id, secret = parts
    device = TrustedDevice.objects.select_related("user").filter(lookup_id=lookup_id).first()
    return (
        device is None
        or not tokens.token_matches(tokens.TRUSTED_DEVICE, secret, device.token_sha256)
        or device.expires_at <= timezone.now()
        or device.security_stamp != device.user.security_stamp
    )
