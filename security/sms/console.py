"""Development gateway: prints each SMS to the console and keeps the last few for the dev-only outbox page.

Never delivers anything; a system check refuses it when DEBUG is off."""

import itertools
import sys
from collections import deque
from datetime import datetime

from django.utils import timezone

from .base import SmsGateway

RECENT_LIMIT = 20
RECENT: deque = deque(maxlen=RECENT_LIMIT)
_ids = itertools.count(1)


class ConsoleGateway(SmsGateway):
    delivers = False

    def send(self, to_e164: str, body: str) -> str:
        message_id = f"console-{next(_ids)}"
        sent_at: datetime = timezone.now()
        RECENT.appendleft({"id": message_id, "to": to_e164, "body": body, "sent_at": sent_at})
        sys.stdout.write(f"\n--- SMS to {to_e164} ({message_id}) ---\n{body}\n---\n")
        sys.stdout.flush()
        return message_id
