"""Passkeys and security keys (WebAuthn credentials) as a strong second factor (issue 16).

Invariants:
- Only the public key is stored; the private key never leaves the user's authenticator. Nothing here is secret,
  but the helpdesk sees only how many keys a user has, never a credential id or key.
- ``credential_sha256`` (SHA-256 of the credential id) is unique: one credential belongs to one user, once.
- ``sign_count`` only goes up. An assertion whose counter is not above it (when either is non-zero) is a cloned
  or replayed key: refused and recorded (``services.passkey_assertion_verify``).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Passkey(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="passkeys")
    name = models.CharField(_("name"), max_length=60)
    credential_id = models.TextField(editable=False)  # base64url, as the browser sends it
    credential_sha256 = models.CharField(max_length=64, unique=True, editable=False)
    public_key = models.BinaryField(editable=False)  # COSE
    sign_count = models.PositiveBigIntegerField(default=0, editable=False)
    transports = models.CharField(max_length=200, blank=True, editable=False)  # comma-separated hints
    backed_up = models.BooleanField(default=False, editable=False)  # a synced passkey (multi-device)
    created_at = models.DateTimeField(_("added"), editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("passkey")
        verbose_name_plural = _("passkeys")
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self):
        return self.name
