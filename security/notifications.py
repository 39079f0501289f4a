"""Security notification e-mails, in the user's language. A failed send is logged and never breaks the action."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from .audit import event_description

log = logging.getLogger("portal.notifications")


def notify_user_of_event(event) -> bool:
    user = event.user
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {
            "user": user,
            "event": event,
            "description": event_description(event.kind, event.details),
            "site_name": settings.PORTAL_SITE_NAME,
        }
        subject = render_to_string("emails/security_event_subject.txt", context).strip()
        body = render_to_string("emails/security_event.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    except Exception:  # any backend failure: the action already happened and must stand
        log.exception("could not send security notification for event %s", event.pk)
        return False
    return True
