"""Security notification e-mails (docs/security.md item 35).

Invariants:
- A notification is an outbox row written in the same transaction as its event, rendered in the user's language,
  addressed to the mailbox and, once verified, the second notification address.
- Sending happens after commit. A failure is logged and left for ``manage.py send_pending_notifications`` to retry;
  it never breaks or undoes the action that caused it.
- E-mails never contain a secret: they are rendered from the event's description, time and IP only.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from portal.conf import portal_settings

from .client import describe_user_agent
from .event_kinds import event_description
from .models import Notification, NotificationAddress

log = logging.getLogger("portal.notifications")

MAX_ATTEMPTS = 8


def notification_recipients_for(*, user) -> list[str]:
    recipients = [user.email]
    second = NotificationAddress.objects.filter(user=user, verified_at__isnull=False).first()
    if second is not None and second.address.lower() != user.email:
        recipients.append(second.address)
    return recipients


def notification_create_for_event(event) -> Notification:
    user = event.user
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {
            "user": user,
            "event": event,
            "description": event_description(event.kind, event.details),
            "device": describe_user_agent(event.user_agent) if event.user_agent else "",
            "site_name": portal_settings.site_name,
        }
        subject = render_to_string("emails/security_event_subject.txt", context).strip()
        body = render_to_string("emails/security_event.txt", context)
    notification = Notification.objects.create(
        user=user, event=event, recipients=notification_recipients_for(user=user), subject=subject[:255], body=body
    )
    transaction.on_commit(lambda: notification_deliver(notification.pk))
    return notification


def notification_deliver(notification_id: int) -> bool:
    notification = Notification.objects.filter(pk=notification_id, sent_at__isnull=True).first()
    if notification is None:
        return True
    try:
        send_mail(notification.subject, notification.body, settings.DEFAULT_FROM_EMAIL, notification.recipients)
    except Exception as error:  # any backend failure: keep it for the retry command
        notification.attempts += 1
        notification.last_error = f"{type(error).__name__}: {error}"[:200]
        notification.save(update_fields=["attempts", "last_error"])
        log.warning("security notification %s not sent (attempt %s): %s", notification.pk, notification.attempts, error)
        return False
    notification.attempts += 1
    notification.sent_at = timezone.now()
    notification.save(update_fields=["attempts", "sent_at"])
    return True


def notifications_retry_pending() -> tuple[int, int]:
    """Returns (sent, still pending)."""
    sent = pending = 0
    for pk in Notification.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS).values_list("pk", flat=True):
        if notification_deliver(pk):
            sent += 1
        else:
            pending += 1
    return sent, pending
