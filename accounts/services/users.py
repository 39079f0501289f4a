"""Rules about the user row that every feature shares.

Invariants:
- ``user_lock`` is the one way to lock a user's row (``SELECT ... FOR UPDATE``). Services that two requests could
  race on (enrolling a factor, creating an app password, trusting a device, setting a password, a helpdesk action)
  take it first, so they queue behind each other per user and always in the same order: the user row, then the
  feature's rows. A test fails if any other code calls ``select_for_update`` on ``User``.
- ``user_credentials_reset`` is the one way to end everything bound to the current credentials: it rotates the
  security stamp (every other session ends at its next request, every trusted device stops matching) and sends
  ``credentials_reset`` (app passwords and trusted devices revoke themselves), in the caller's transaction. A
  password change by any path, a recovery and the helpdesk's "disable the account" all come here; a test fails if
  anything else rotates the stamp or sends the signal.
"""

from accounts.models import User
from accounts.signals import credentials_reset
from security.client import Client


def user_lock(user_id: int) -> User:
    """The user's row, freshly read and locked until the surrounding transaction ends. Call it inside
    ``transaction.atomic``. Raises ``User.DoesNotExist`` if there is no such user (any more)."""
    return User.objects.select_for_update().get(pk=user_id)


def user_credentials_reset(*, user: User, actor: User | None, client: Client | None, update_fields=()) -> None:
    """Rotate ``user``'s security stamp and save it, with the other ``update_fields`` the caller has set on
    ``user``, in one write; then send ``credentials_reset``. Call it inside the transaction that made the change,
    with the user's row locked or just written, so the revocations commit (or roll back) with it."""
    user.rotate_security_stamp()
    user.save(update_fields=sorted({"security_stamp", *update_fields}))
    credentials_reset.send(sender=User, user=user, actor=actor, client=client or Client())


def user_disable(*, user: User, actor: User | None, client: Client) -> None:
    """The account can no longer sign in or fetch mail: inactive, every session ended, app passwords and trusted
    devices revoked. The caller records why (the helpdesk's event carries the reason)."""
    user.is_active = False
    user_credentials_reset(user=user, actor=actor, client=client, update_fields=["is_active"])
