"""Trusting a browser, checking it at sign-in, revoking it (docs/security.md items 27, 28, 29).
The registry of signed-in sessions is ``security.sessions``.

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

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services.users import user_lock
from security import tokens
from security.audit import security_event_record
from security.client import Client, describe_user_agent_for

from . import events
from .models import TrustedDevice

TOKEN_SECRET_BYTES = 32  # 256 bits
LOOKUP_ID_BYTES = 12
_COOKIE_MAX = 200
# A second "trust this device" from the same browser within this window refreshes the first device.
DUPLICATE_WINDOW = timedelta(minutes=2)


# --- The cookie -------------------------------------------------------------------------------------------
def trusted_device_cookie_name() -> str:
    if settings.PORTAL_TRUSTED_DEVICE_COOKIE_NAME:
        return settings.PORTAL_TRUSTED_DEVICE_COOKIE_NAME
    return "__Host-trusted_device" if settings.SESSION_COOKIE_SECURE else "trusted_device"


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


def _device_label(device: TrustedDevice) -> str:
    return device.name or describe_user_agent_for(device.user, device.user_agent)


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
                details={"device": describe_user_agent_for(user, client.user_agent), "ip": client.ip or "-"},
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
