"""Signals other apps listen to (e.g. trusted devices are all revoked when two-step verification is turned off)."""

from django.dispatch import Signal

# Sent inside the transaction that turned two-step verification off; kwargs: user, actor, client.
two_step_disabled = Signal()
