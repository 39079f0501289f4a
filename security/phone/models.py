"""Bound phones and pending SMS codes.

Invariants:
- ``PhoneBinding`` rows are written only by ``security.phone.services`` and only after a correct code for
  exactly that number (``phone_bind_confirm``), or removed by ``phone_remove``.
- ``SmsChallenge`` holds at most one pending code per (user, purpose). The code itself is never stored: only
  an HMAC of it with a per-code salt. The failure count survives new codes (docs/security.md item 15) and is reset only
  by a correct code or when a lockout ends.
- A challenge belongs to the browser session that asked for its code: ``session_bind`` stores a keyed digest of
  the session key, and ``belongs_to_session`` is the one check of it (using the code, asking for a new one and the
  page that shows the pending code all ask it).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from security import tokens


class PhoneBinding(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="phone_binding",
        verbose_name=_("user"),
    )
    number = PhoneNumberField(_("phone number"), db_index=True)
    bound_at = models.DateTimeField(_("bound at"))

    class Meta:
        verbose_name = _("bound phone")
        verbose_name_plural = _("bound phones")

    def __str__(self):
        from .selectors import mask_phone

        return mask_phone(str(self.number))


class SmsChallenge(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=32)
    number = PhoneNumberField(blank=True)
    session_digest = models.CharField(max_length=64, blank=True)
    code_salt = models.CharField(max_length=32, blank=True)
    code_digest = models.CharField(max_length=64, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "purpose"], name="phone_smschallenge_user_purpose")]

    def __str__(self):
        return f"{self.purpose} code for user {self.user_id}"

    def session_bind(self, session_key: str) -> None:
        """The code now being sent is for this browser session only (saved by the caller)."""
        self.session_digest = tokens.token_digest(tokens.SMS_SESSION, session_key)

    def belongs_to_session(self, session_key: str | None) -> bool:
        """Was this challenge's code sent for this session? Constant-time; False for an empty key or challenge."""
        return tokens.token_matches(tokens.SMS_SESSION, session_key or "", self.session_digest)
