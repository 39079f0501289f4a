import pytest
import time_machine

from security.client import SYSTEM
from security.two_factor.services import authenticator_enroll
from tests.two_factor.otp import START, START_STEP, code_at


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def enrolled(user, clock):
    clock.shift(-30)
    authenticator_enroll(user=user, secret=b"12345678901234567890", code=code_at(START_STEP - 1), client=SYSTEM)
    clock.shift(30)
    user.refresh_from_db()
    return user
