"""Trusted devices ("don't ask again on this device") (docs/security.md items 27, 28, 31).
The registry of signed-in sessions is ``security.sessions``.

Invariants:
- A trusted device's cookie holds ``<lookup_id>.<secret>``; the server stores only SHA-256 of the 256-bit secret
  (a fast hash is enough at that entropy), so a copy of the database cannot be turned into a working cookie.
- A device is valid only while ``expires_at`` is in the future (enforced here, not by the cookie's age) and while its
  ``security_stamp`` equals the user's: changing or resetting the password rotates the stamp, which ends every trust
  at once, while Django re-hashing the password on sign-in does not.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TrustedDevice(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trusted_devices")
    lookup_id = models.CharField(max_length=24, unique=True, editable=False)
    token_sha256 = models.CharField(max_length=64, editable=False)
    security_stamp = models.CharField(max_length=32, editable=False)
    name = models.CharField(_("name"), max_length=60, blank=True)
    user_agent = models.CharField(max_length=512, blank=True, editable=False)
    created_at = models.DateTimeField(_("first seen"), editable=False)
    last_seen_at = models.DateTimeField(_("last seen"), editable=False)
    last_ip = models.GenericIPAddressField(_("last IP address"), null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(_("expires"), editable=False)

    class Meta:
        verbose_name = _("trusted device")
        verbose_name_plural = _("trusted devices")
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self):
        return self.name or self.lookup_id
