"""Test gateway: an in-memory outbox that tests (and the browser test's live server, which runs in another
thread of the same process) read. Failures can be queued to exercise the error paths.

Never delivers anything; a system check refuses it when DEBUG is off."""

import itertools
import threading
from dataclasses import dataclass, field

from .base import SmsError, SmsGateway, SmsMessage

_lock = threading.Lock()
_ids = itertools.count(1)


@dataclass(frozen=True)
class OutboxMessage:
    id: str
    to: str
    body: str  # the rendered text
    template: str = ""
    params: dict = field(default_factory=dict)
    language: str = ""


outbox: list[OutboxMessage] = []
_queued_failures: list[SmsError] = []


def outbox_clear() -> None:
    with _lock:
        outbox.clear()
        _queued_failures.clear()


def fail_next(error: SmsError) -> None:
    """The next send raises ``error`` instead of delivering."""
    with _lock:
        _queued_failures.append(error)


def messages_to(to_e164: str) -> list[OutboxMessage]:
    with _lock:
        return [message for message in outbox if message.to == to_e164]


class TestGateway(SmsGateway):
    __test__ = False  # not a pytest test class
    delivers = False

    def send(self, message: SmsMessage) -> str:
        with _lock:
            if _queued_failures:
                raise _queued_failures.pop(0)
            sent = OutboxMessage(
                id=f"test-{next(_ids)}",
                to=message.to,
                body=message.text,
                template=message.template,
                params=dict(message.params),
                language=message.language,
            )
            outbox.append(sent)
        return sent.id
