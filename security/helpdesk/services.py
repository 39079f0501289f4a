"""Helpdesk actions on users (docs/security.md items 34, 35).

Invariants:
- Every action needs a staff member holding its permission and a non-empty reason; it runs in one transaction per
  user, writes an audit record naming the staff member, and notifies the user with the reason.
- No action reveals or sets a secret. Actions only remove, revoke or reset.
- ``HELPDESK_ACTIONS`` is the one list of what helpdesk can do; the admin builds its buttons from it.
- Only a superuser acts on a staff or superuser account. Anyone else is refused before anything is done to any
  user of the selection, and the attempt is recorded on each protected account (``ACTION_REFUSED``).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services import throttle
from accounts.services.users import user_disable, user_lock
from security.app_passwords.services import app_passwords_revoke_all
from security.audit import security_event_record
from security.client import Client
from security.errors import Refused
from security.ids import object_id_parse
from security.mail_policy.services import mail_lock_clear
from security.phone.errors import PhoneBindRefused
from security.phone.services import phone_remove
from security.sessions.services import user_sessions_end_all
from security.trusted_devices.services import trusted_devices_revoke_all
from security.two_factor.services import two_step_disable

from . import events

REASON_MAX_LENGTH = 500


class HelpdeskReasonRefused(Refused):
    """The reason is missing or too long (``security.errors``)."""


class HelpdeskTargetProtected(PermissionDenied):
    """The selection holds staff or superuser accounts and the staff member is not a superuser."""

    def __init__(self, users: list[User]):
        super().__init__("only a superuser may act on staff accounts")
        self.users = users


@dataclass(frozen=True)
class HelpdeskAction:
    name: str
    label: Promise
    permission: str  # "accounts.<codename>"
    # run(*, user, staff, client, reason, require_setup) -> bool: does the work and records the event (actor=staff,
    # the reason in details, notify=True), usually through the feature's own service. False: nothing to do.
    run: Callable[..., bool]
    # Offer "require two-step setup at next sign-in" on the confirmation page.
    offers_require_setup: bool = False


def _record(kind: str, *, user: User, staff: User, client: Client, reason: str) -> None:
    security_event_record(user=user, actor=staff, kind=kind, client=client, details={"reason": reason}, notify=True)


def _clear_sign_in_lock(*, user: User, staff: User, client: Client, reason: str, **options) -> bool:
    throttle.sign_in_lock_clear(address=user.email)
    mail_lock_clear(user=user)  # the SMTP/IMAP/POP3 lock of the auth policy server, too
    _record(events.CLEARED_SIGN_IN_LOCK, user=user, staff=staff, client=client, reason=reason)
    return True


def _end_sessions(*, user: User, staff: User, client: Client, reason: str, **options) -> bool:
    user_sessions_end_all(user=user, client=client, actor=staff, reason=reason)
    return True


def _reset_two_step(*, user: User, staff: User, client: Client, reason: str, require_setup: bool = False) -> bool:
    """Removes every factor and recovery code; trusted devices go with it (two_step_disabled signal)."""
    return two_step_disable(user=user, client=client, actor=staff, reason=reason, require_setup=require_setup)


def _forget_trusted_devices(*, user: User, staff: User, client: Client, reason: str, **options) -> bool:
    return trusted_devices_revoke_all(user=user, client=client, actor=staff, notify=True, reason=reason) > 0


def _disable_account(*, user: User, staff: User, client: Client, reason: str, **options) -> bool:
    user_disable(user=user, actor=staff, client=client)  # app passwords and trusted devices revoke themselves
    _record(events.DISABLED_ACCOUNT, user=user, staff=staff, client=client, reason=reason)
    return True


def _revoke_app_passwords(*, user: User, staff: User, client: Client, reason: str, **options) -> bool:
    return app_passwords_revoke_all(user=user, actor=staff, client=client, reason=reason) > 0


def _unbind_phone(*, user: User, staff: User, client: Client, reason: str, **options) -> bool:
    try:
        phone_remove(user=user, client=client, actor=staff, reason=reason)
    except PhoneBindRefused:  # no phone bound
        return False
    return True


HELPDESK_ACTIONS: dict[str, HelpdeskAction] = {
    action.name: action
    for action in [
        HelpdeskAction(
            "reset_two_step",
            _("Reset two-step verification"),
            "accounts.helpdesk_reset_two_step",
            _reset_two_step,
            offers_require_setup=True,
        ),
        HelpdeskAction(
            "forget_trusted_devices",
            _("Forget trusted devices"),
            "accounts.helpdesk_forget_trusted_devices",
            _forget_trusted_devices,
        ),
        HelpdeskAction(
            "clear_sign_in_lock",
            _("Clear the sign-in lock"),
            "accounts.helpdesk_clear_sign_in_lock",
            _clear_sign_in_lock,
        ),
        HelpdeskAction(
            "end_sessions",
            _("End all sessions"),
            "accounts.helpdesk_end_sessions",
            _end_sessions,
        ),
        HelpdeskAction(
            "unbind_phone",
            _("Unbind the phone"),
            "accounts.helpdesk_unbind_phone",
            _unbind_phone,
        ),
        HelpdeskAction(
            "revoke_app_passwords",
            _("Revoke all app passwords"),
            "accounts.helpdesk_revoke_app_passwords",
            _revoke_app_passwords,
        ),
        HelpdeskAction(
            "disable_account",
            _("Disable the account (ends sessions, revokes app passwords and devices)"),
            "accounts.helpdesk_disable_account",
            _disable_account,
        ),
    ]
}


def helpdesk_reason_clean(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise HelpdeskReasonRefused(_("Give a reason: the user will see it."), code="reason_required")
    if len(reason) > REASON_MAX_LENGTH:
        raise HelpdeskReasonRefused(
            _("Keep the reason under %(max)d characters.") % {"max": REASON_MAX_LENGTH}, code="reason_too_long"
        )
    return reason


def helpdesk_targets_protected(*, staff: User, users: list[User]) -> list[User]:
    """The users of ``users`` that ``staff`` may not act on: staff and superusers, unless ``staff`` is a
    superuser. Otherwise a helpdesk member could turn off a superuser's two-step verification."""
    if staff.is_superuser:
        return []
    return [user for user in users if user.is_staff or user.is_superuser]


def helpdesk_action_refusal_record(*, action_name: str, staff: User, users: list[User], client: Client) -> None:
    """The audit row for a refused attempt, on each protected account, naming the staff member."""
    for user in users:
        security_event_record(
            user=user,
            actor=staff,
            kind=events.ACTION_REFUSED,
            client=client,
            details={"action": action_name},
        )


def helpdesk_action_perform(
    *, action_name: str, staff: User, user_ids: list[int], reason: str, client: Client, require_setup: bool = False
) -> int:
    """Runs one helpdesk action on each user; returns how many users it was applied to."""
    action = HELPDESK_ACTIONS[action_name]
    if not (staff.is_active and staff.is_staff and staff.has_perm(action.permission)):
        raise PermissionDenied
    reason = helpdesk_reason_clean(reason)
    user_ids = [user_id for user_id in user_ids if object_id_parse(user_id) is not None]
    protected = helpdesk_targets_protected(staff=staff, users=list(User.objects.filter(pk__in=user_ids)))
    if protected:
        helpdesk_action_refusal_record(action_name=action.name, staff=staff, users=protected, client=client)
        raise HelpdeskTargetProtected(protected)
    done = 0
    for user_id in user_ids:
        with transaction.atomic():
            try:
                user = user_lock(user_id)
            except User.DoesNotExist:
                continue
            if helpdesk_targets_protected(staff=staff, users=[user]):  # made staff since the check above
                helpdesk_action_refusal_record(action_name=action.name, staff=staff, users=[user], client=client)
                continue
            if action.run(user=user, staff=staff, client=client, reason=reason, require_setup=require_setup):
                done += 1
    return done
