"""What the mail policy server keeps in the database: only what must outlast the cache.

- ``MailAccountUse``: "last used" of the account (main) password for mail, and the durable lock set when the
  account reaches ``PORTAL_MAIL_POLICY_LOCK_FAILURES`` consecutive failures (cleared only by the helpdesk action).
- ``MailNetwork``: the networks (/16 IPv4, /48 IPv6) each app password has been used from, so a new one is noticed.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MailAccountUse(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="mail_use"
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("last used from"), null=True, blank=True)
    last_used_protocol = models.CharField(_("last used with"), max_length=16, blank=True)
    locked_at = models.DateTimeField(_("mail sign-in locked"), null=True, blank=True)

    def __str__(self):
        return f"mail use of {self.user_id}"


class MailNetwork(models.Model):
    app_password_id = models.BigIntegerField()
    network = models.CharField(max_length=64)
    first_seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["app_password_id", "network"], name="mail_network_unique")]

    def __str__(self):
        return f"{self.app_password_id}:{self.network}"
