"""Signal receivers: revoke every trusted device when the password changes or is reset (``credentials_reset``) or
two-step verification is turned off (docs/security.md item 28)."""

from django.dispatch import receiver

from accounts.signals import credentials_reset
from security.client import SYSTEM
from security.two_factor.signals import two_step_disabled

from . import services


@receiver(credentials_reset, dispatch_uid="trusted_devices.revoke_on_credentials_reset")
def _revoke_on_credentials_reset(sender, user, actor=None, client=None, **kwargs):
    services.trusted_devices_revoke_all(user=user, client=client or SYSTEM, actor=actor)


@receiver(two_step_disabled, dispatch_uid="trusted_devices.revoke_on_two_step_disabled")
def _revoke_on_two_step_disabled(sender, user, **kwargs):
    services.trusted_devices_revoke_all(user=user, client=kwargs.get("client") or SYSTEM, actor=kwargs.get("actor"))
