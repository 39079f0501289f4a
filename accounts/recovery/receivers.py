"""Wiring of account recovery into the rest of the portal: a normal sign-in cancels a pending recovery (the user
still has the password, so a code waiting somewhere should not stay usable)."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from security.client import Client

from .services import recovery_cancel_on_sign_in


@receiver(user_logged_in, dispatch_uid="recovery.cancel_on_sign_in")
def _cancel_recovery_on_sign_in(sender, request, user, **kwargs):
    recovery_cancel_on_sign_in(user=user, client=Client.from_request(request))
