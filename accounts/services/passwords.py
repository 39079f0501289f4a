"""Changing the account password (SECURITY.md 1-4, 25).

Invariants:
- The current password is checked before anything changes.
- A change rotates the security stamp, which ends every other session of the user, and sends
  ``credentials_reset`` so other apps revoke app passwords and trusted devices in the same transaction.
"""

from django.contrib.auth import update_session_auth_hash
from django.db import transaction
from django.utils import timezone

from accounts import events
from accounts.models import User
from accounts.signals import credentials_reset
from security.audit import security_event_record
from security.client import Client


@transaction.atomic
def password_set(*, user: User, new_password: str, actor: User | None, client: Client) -> User:
    """Sets a new password and revokes everything bound to the old one. Used by change and reset flows."""
    user = User.objects.select_for_update().get(pk=user.pk)
    user.set_password(new_password)
    user.rotate_security_stamp()
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "security_stamp", "password_changed_at"])
    credentials_reset.send(sender=User, user=user, actor=actor, client=client)
    security_event_record(user=user, actor=actor, kind=events.PASSWORD_CHANGED, client=client, notify=True)
    return user


def password_change(request, *, new_password: str) -> None:
    """The signed-in user changes their own password; this session survives, all others end."""
    user = password_set(
        user=request.user, new_password=new_password, actor=request.user, client=Client.from_request(request)
    )
    update_session_auth_hash(request, user)
