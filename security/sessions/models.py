"""The registry of signed-in sessions (docs/security.md items 31, 32).

Invariants:
- ``UserSession`` mirrors each signed-in Django session, so the user can see and end them. A row whose stamp no longer
  matches the user's belongs to a session that is already dead.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserSession(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions")
    session_key = models.CharField(max_length=40, unique=True, editable=False)
    security_stamp = models.CharField(max_length=32, editable=False)
    user_agent = models.CharField(max_length=512, blank=True, editable=False)
    ip_address = models.GenericIPAddressField(null=True, blank=True, editable=False)
    signed_in_at = models.DateTimeField(editable=False)
    last_activity_at = models.DateTimeField(editable=False)

    class Meta:
        verbose_name = _("signed-in session")
        verbose_name_plural = _("signed-in sessions")
        # The table and index keep the names they had when the model lived in trusted_devices: no data is moved.
        db_table = "trusted_devices_usersession"
        indexes = [models.Index(fields=["user", "last_activity_at"], name="trusted_dev_user_id_17d41e_idx")]

    def __str__(self):
        return f"session {self.pk}"
