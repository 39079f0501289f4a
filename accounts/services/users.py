"""Rules about the user row that every feature shares.

Invariants:
- ``user_lock`` is the one way to lock a user's row (``SELECT ... FOR UPDATE``). Services that two requests could
  race on (enrolling a factor, creating an app password, trusting a device, setting a password, a helpdesk action)
  take it first, so they queue behind each other per user and always in the same order: the user row, then the
  feature's rows. A test fails if any other code calls ``select_for_update`` on ``User``.
"""

from accounts.models import User


def user_lock(user_id: int) -> User:
    """The user's row, freshly read and locked until the surrounding transaction ends. Call it inside
    ``transaction.atomic``. Raises ``User.DoesNotExist`` if there is no such user (any more)."""
    return User.objects.select_for_update().get(pk=user_id)
