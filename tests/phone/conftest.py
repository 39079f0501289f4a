import pytest

from security.sms import test as test_gateway


@pytest.fixture
def sms_outbox():
    """The test gateway's outbox, empty at the start of the test."""
    test_gateway.outbox_clear()
    yield test_gateway.outbox
    test_gateway.outbox_clear()


def code_in(message) -> str:
    """The code the message carries, as a template parameter (what a template-only provider receives)."""
    return message.params["code"]


@pytest.fixture
def other_code():
    """A 6-digit code that is not ``code``."""
    return lambda code: f"{(int(code) + 1) % 1_000_000:06d}"
