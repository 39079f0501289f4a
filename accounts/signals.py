"""Signals other apps listen to, so accounts needs no knowledge of app passwords or trusted devices.

``credentials_reset`` is sent inside the transaction that changed or reset a user's password. Listeners revoke
what must not outlive the old password (docs/security.md items 25, 28): app passwords, trusted devices.
Arguments: ``user``, ``actor`` (None for the system), ``client`` (security.client.Client).
"""

from django.dispatch import Signal

credentials_reset = Signal()
