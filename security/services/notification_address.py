"""The optional second address for security notifications (docs/security.md item 35).

Invariants:
- An address receives notifications only after someone who controls it followed the confirmation link, which is
  signed, names both the user and the address, and expires after ``CONFIRM_MAX_AGE``.
- Adding, confirming and removing it are recorded, and the mailbox is told each time, so an attacker cannot quietly
  redirect the alerts.
"""

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from portal.conf import portal_settings
from security import events, tokens
from security.addresses import normalize_address
from security.audit import security_event_record
from security.client import Client
from security.models import NotificationAddress

CONFIRM_MAX_AGE = tokens.NOTIFICATION_ADDRESS_CONFIRM.max_age_seconds


class ConfirmationInvalid(Exception):
    pass


def _confirmation_token(user, address: str) -> str:
    return tokens.token_sign(tokens.NOTIFICATION_ADDRESS_CONFIRM, {"user": user.pk, "address": address})


@transaction.atomic
def notification_address_set(*, user, address: str, client: Client, base_url: str) -> NotificationAddress:
    address = normalize_address(address)
    record, _created = NotificationAddress.objects.update_or_create(
        user=user, defaults={"address": address, "verified_at": None, "created_at": timezone.now()}
    )
    security_event_record(
        user=user,
        actor=user,
        kind=events.NOTIFICATION_ADDRESS_ADDED,
        client=client,
        details={"address": address},
        notify=True,
    )
    link = base_url + reverse("security:notification_address_confirm", args=[_confirmation_token(user, address)])
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {"user": user, "link": link, "site_name": portal_settings.site_name}
        subject = render_to_string("emails/notification_address_confirm_subject.txt", context).strip()
        body = render_to_string("emails/notification_address_confirm.txt", context)
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address], fail_silently=True))
    return record


def notification_address_pending_for(*, token: str) -> NotificationAddress:
    try:
        data = tokens.token_unsign(tokens.NOTIFICATION_ADDRESS_CONFIRM, token)
        record = NotificationAddress.objects.select_related("user").get(user_id=data["user"], address=data["address"])
    except (signing.BadSignature, KeyError, TypeError, NotificationAddress.DoesNotExist) as error:
        raise ConfirmationInvalid from error
    return record


@transaction.atomic
def notification_address_confirm(*, token: str, client: Client) -> NotificationAddress:
    record = notification_address_pending_for(token=token)
    record = NotificationAddress.objects.select_for_update().get(pk=record.pk)
    if record.verified_at is None:
        record.verified_at = timezone.now()
        record.save(update_fields=["verified_at"])
        security_event_record(
            user=record.user,
            actor=None,
            kind=events.NOTIFICATION_ADDRESS_VERIFIED,
            client=client,
            details={"address": record.address},
            notify=True,
        )
    return record


@transaction.atomic
def notification_address_remove(*, user, client: Client) -> None:
    record = NotificationAddress.objects.select_for_update().filter(user=user).first()
    if record is None:
        return
    address = record.address
    record.delete()
    security_event_record(
        user=user,
        actor=user,
        kind=events.NOTIFICATION_ADDRESS_REMOVED,
        client=client,
        details={"address": address},
        notify=True,
    )
