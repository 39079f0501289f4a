"""Development gateway: prints each SMS to the console and keeps the last few for the dev-only outbox page.

Never delivers anything; a system check refuses it when DEBUG is off. Each kept message remembers the account it
was sent for (``sending_for``), so the outbox page shows every user only their own codes."""

import itertools
import sys
from collections import deque
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.utils import timezone

from .base import SmsGateway, SmsMessage

RECENT_LIMIT = 20
RECENT: deque = deque(maxlen=RECENT_LIMIT)
_ids = itertools.count(1)
_sending_for: ContextVar[int | None] = ContextVar("sms_sending_for", default=None)


@contextmanager
def sending_for(user_id: int):
    """Messages sent inside are kept as this user's (the phone services wrap every gateway call in it)."""
    token = _sending_for.set(user_id)
    try:
        yield
    finally:
        _sending_for.reset(token)


def recent_for(*, user_id: int) -> list[dict]:
    """The kept messages sent for this user, newest first; a message sent for nobody is shown to nobody."""
    return [message for message in list(RECENT) if message["user_id"] == user_id]


class ConsoleGateway(SmsGateway):
    delivers = False

    def send(self, message: SmsMessage) -> str:
        message_id = f"console-{next(_ids)}"
        sent_at: datetime = timezone.now()
        RECENT.appendleft(
            {
                "id": message_id,
                "to": message.to,
                "body": message.text,
                "template": message.template,
                "params": dict(message.params),
                "sent_at": sent_at,
                "user_id": _sending_for.get(),
            }
        )
        params = ", ".join(f"{name}={value}" for name, value in message.params.items())
        sys.stdout.write(
            f"\n--- SMS to {message.to} ({message_id}, template {message.template}: {params}) ---\n"
            f"{message.text}\n---\n"
        )
        sys.stdout.flush()
        return message_id
