"""Development gateway: prints each SMS to the console and keeps the last few for the dev-only outbox page.

Never delivers anything; a system check refuses it when DEBUG is off."""

import itertools
import sys
from collections import deque
from datetime import datetime

from django.utils import timezone

from .base import SmsGateway, SmsMessage

RECENT_LIMIT = 20
RECENT: deque = deque(maxlen=RECENT_LIMIT)
_ids = itertools.count(1)


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
            }
        )
        params = ", ".join(f"{name}={value}" for name, value in message.params.items())
        sys.stdout.write(
            f"\n--- SMS to {message.to} ({message_id}, template {message.template}: {params}) ---\n"
            f"{message.text}\n---\n"
        )
        sys.stdout.flush()
        return message_id
