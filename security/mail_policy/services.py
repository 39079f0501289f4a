"""The rules of the mail policy server: what Dovecot is told, and what a report changes.

Invariants:
- ``policy_allow`` decides before any password is checked: locked (durably, or at the consecutive-failure limit) or
  over a window's reject threshold gets a negative status; over the tarpit threshold a delay; otherwise 0.
- ``policy_report`` never writes the database more than once a minute per credential for "last used", and records
  a security event only for the unusual: an app password from a network it was never used from, a burst of
  failures, the lock.
- Unknown users and unknown credential ids change nothing durable; their failures still count in the cache.
"""

import ipaddress
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User, normalize_address
from security.audit import security_event_record
from security.client import Client

from . import events, throttle
from .models import MailAccountUse, MailNetwork

logger = logging.getLogger(__name__)

LOCKED_MESSAGE = "Account locked after too many failed logins. Contact support."
REJECT_MESSAGE = "Too many failed logins. Try again later."
PROTOCOL_NAMES = {"smtp": "SMTP", "submission": "SMTP", "imap": "IMAP", "pop3": "POP3"}


@dataclass(frozen=True)
class Reply:
    status: int
    msg: str = ""


def _limit() -> int:
    return min(settings.PORTAL_MAIL_POLICY_LOCK_FAILURES, 100)


def account_locked(*, login: str, counts: throttle.Counts | None = None) -> bool:
    login = normalize_address(login)
    counts = counts or throttle.counts(login=login, ip="-")
    if counts.consecutive >= _limit():
        return True
    if counts.lock_flag is None:
        locked = MailAccountUse.objects.filter(user__email=login, locked_at__isnull=False).exists()
        throttle.lock_flag_set(login=login, locked=locked)
        return locked
    return counts.lock_flag


def policy_allow(*, login: str, ip: str) -> Reply:
    login = normalize_address(login)
    counts = throttle.counts(login=login, ip=ip)
    if account_locked(login=login, counts=counts):
        return Reply(-1, LOCKED_MESSAGE)
    if (
        counts.account >= settings.PORTAL_MAIL_POLICY_REJECT_AFTER
        or counts.ip >= settings.PORTAL_MAIL_POLICY_IP_REJECT_AFTER
    ):
        return Reply(-1, REJECT_MESSAGE)
    tarpit_after = settings.PORTAL_MAIL_POLICY_TARPIT_AFTER
    if counts.account >= tarpit_after:
        delay = 2 ** int(counts.account - tarpit_after)
        return Reply(min(delay, settings.PORTAL_MAIL_POLICY_MAX_TARPIT_SECONDS))
    return Reply(0)


def network_of(ip: str) -> str | None:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    prefix = 16 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def policy_report(
    *, login: str, ip: str, protocol: str, success: bool, policy_reject: bool, credential_id: str, pwhash: str
) -> None:
    login = normalize_address(login)
    protocol = "smtp" if protocol == "submission" else protocol  # Dovecot's submission service is SMTP
    if policy_reject:
        return  # we refused it before any password was checked: nothing was tried
    if success:
        throttle.account_reset(login=login)
        _used(login=login, ip=ip, protocol=protocol, credential_id=credential_id)
        return
    counted, consecutive = throttle.failure_record(login=login, ip=ip, pwhash=pwhash)
    if consecutive >= _limit():
        _lock(login=login, ip=ip, count=consecutive)
    elif counted:
        burst = settings.PORTAL_MAIL_POLICY_REJECT_AFTER
        if throttle.counts(login=login, ip=ip).account >= burst and throttle.once_per(
            f"burst:{throttle.account_key(login)}", int(settings.PORTAL_MAIL_POLICY_WINDOW.total_seconds())
        ):
            user = User.objects.filter(email=login).first()
            if user is not None:
                minutes = int(settings.PORTAL_MAIL_POLICY_WINDOW.total_seconds() // 60)
                security_event_record(
                    user=user,
                    kind=events.FAILURE_BURST,
                    client=Client(ip=ip or None),
                    details={"count": burst, "minutes": minutes, "protocol": PROTOCOL_NAMES.get(protocol, protocol)},
                    notify=True,
                )


def _lock(*, login: str, ip: str, count: int) -> None:
    # Parallel failures cross the limit together: one of them writes.
    if not throttle.once_per(f"lock:{throttle.account_key(login)}", 60):
        return
    user = User.objects.filter(email=login).first()
    if user is None:
        return
    try:
        _lock_user(user=user, login=login, ip=ip, count=count)
    except IntegrityError:  # the row was created in between: it is there now
        _lock_user(user=user, login=login, ip=ip, count=count)


@transaction.atomic
def _lock_user(*, user, login: str, ip: str, count: int) -> None:
    use, _created = MailAccountUse.objects.select_for_update().get_or_create(user=user)
    if use.locked_at is not None:
        return
    use.locked_at = timezone.now()
    use.save(update_fields=["locked_at"])
    throttle.lock_flag_set(login=login, locked=True)
    security_event_record(
        user=user, kind=events.LOCKED, client=Client(ip=ip or None), details={"count": count}, notify=True
    )


def mail_lock_clear(*, user) -> None:
    """Part of the helpdesk's "clear the sign-in lock" (security/helpdesk/services.py), which records the event."""
    MailAccountUse.objects.filter(user=user).update(locked_at=None)
    throttle.account_reset(login=user.email, lock_too=True)


def mail_lock_state_for(*, user) -> dict:
    login = normalize_address(user.email)
    use = MailAccountUse.objects.filter(user=user).first()
    consecutive = throttle.counts(login=login, ip="-").consecutive
    return {
        "failures": consecutive,
        "locked": bool(use and use.locked_at) or consecutive >= _limit(),
        "locked_at": use.locked_at if use else None,
    }


def _used(*, login: str, ip: str, protocol: str, credential_id: str) -> None:
    from security.app_passwords.services import app_password_mark_used

    now = timezone.now()
    ip_value = ip if network_of(ip) else None
    if credential_id:
        try:
            app_password_id = int(credential_id)
        except ValueError:
            return
        write = throttle.once_per(f"used:ap:{app_password_id}", 60)
        # A network not seen in the last hour is checked (and written) even within the minute.
        new_network = bool(ip_value) and throttle.once_per(f"net:{app_password_id}:{network_of(ip_value)}", 3600)
        if write or new_network:
            app_password = app_password_mark_used(
                app_password_id=app_password_id, login=login, at=now, ip=ip_value, protocol=protocol
            )
            if app_password is not None and new_network:
                _network_check(app_password=app_password, ip=ip_value, protocol=protocol)
        return
    if throttle.once_per(f"used:acct:{throttle.account_key(login)}", 60):
        user = User.objects.filter(email=login).first()
        if user is not None:
            MailAccountUse.objects.update_or_create(
                user=user, defaults={"last_used_at": now, "last_used_ip": ip_value, "last_used_protocol": protocol[:16]}
            )


def _network_check(*, app_password, ip: str, protocol: str) -> None:
    network = network_of(ip)
    first_use = not MailNetwork.objects.filter(app_password_id=app_password.pk).exists()
    _network, created = MailNetwork.objects.get_or_create(app_password_id=app_password.pk, network=network)
    if created and not first_use:
        security_event_record(
            user=app_password.user,
            kind=events.NEW_NETWORK,
            client=Client(ip=ip),
            details={"name": app_password.name, "network": network, "protocol": PROTOCOL_NAMES.get(protocol, protocol)},
            notify=True,
        )
