"""Fixtures for two-step verification. ``clock`` and ``enrolled`` live in tests/conftest.py (trusted devices and
helpdesk tests use them too)."""

import pytest
from django.test import Client

from tests.two_factor.otp import code_at, current_step, sign_in_with_password


@pytest.fixture
def client_two_step(enrolled, clock) -> Client:
    """Signed in through both steps, with the authenticator code of the current step."""
    client = Client()
    sign_in_with_password(client, enrolled)
    response = client.post("/two-step/verify/", {"method": "totp", "code": code_at(current_step())})
    assert response.status_code == 302, response.content[:800]
    return client
