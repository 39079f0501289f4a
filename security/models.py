"""The security audit log: one row per security-relevant event, written only by ``security.audit``."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ActorKind(models.TextChoices):
    USER = "user", _("the user")
    STAFF = "staff", _("helpdesk staff")
    SYSTEM = "system", _("the system")


class SecurityEvent(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="security_events", verbose_name=_("user")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_kind = models.CharField(_("acted by"), max_length=10, choices=ActorKind.choices)
    # Kinds are registered by each app (security.event_kinds.register_event_kinds), so no choices here.
    kind = models.CharField(_("event"), max_length=64)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=512, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="security_event_user_time")]

    def __str__(self):
        return f"{self.kind} {self.user_id} {self.created_at:%Y-%m-%d %H:%M}"


class Notification(models.Model):
    """An outbox row per security e-mail: written in the same transaction as its event, sent after commit, and
    retried by ``manage.py send_pending_notifications`` if the mail server was down."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(SecurityEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    recipients = models.JSONField(default=list)
    subject = models.CharField(max_length=255)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["sent_at", "attempts"], name="notification_pending")]

    def __str__(self):
        return self.subject


class NotificationAddress(models.Model):
    """A second address for security notifications, in case the mailbox itself is compromised (docs/security.md
    item 35). It receives notifications only once the user has clicked the link sent to it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_address")
    address = models.EmailField(_("address"), max_length=254)
    created_at = models.DateTimeField(default=timezone.now)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification address")
        verbose_name_plural = _("notification addresses")

    def __str__(self):
        return self.address
