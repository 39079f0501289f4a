"""Fixtures for two-step verification: a fixed key and a frozen clock, so every code is known in advance."""

import pytest
import time_machine
from django.test import Client

from security.client import SYSTEM
from security.two_factor.services import authenticator_enroll
from tests.two_factor.otp import FIXED_KEY, START, START_STEP, code_at, current_step, sign_in_with_password


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def enrolled(user, clock):
    """``user`` with two-step on: the fixed key enrolled one step ago, and its recovery codes."""
    clock.shift(-30)
    result = authenticator_enroll(user=user, secret=FIXED_KEY, code=code_at(START_STEP - 1), client=SYSTEM)
    clock.shift(30)
    user.refresh_from_db()
    user.recovery_codes = result.recovery_codes
    return user


@pytest.fixture
def client_two_step(enrolled, clock) -> Client:
    """Signed in through both steps, with the authenticator code of the current step."""
    client = Client()
    sign_in_with_password(client, enrolled)
    response = client.post("/two-step/verify/", {"method": "totp", "code": code_at(current_step())})
    assert response.status_code == 302, response.content[:800]
    return client
