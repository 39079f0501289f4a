"""Known keys and codes for the two-step tests."""

import time
from datetime import UTC, datetime

from django.test import Client

from security.two_factor import crypto
from tests.factories import PASSWORD

# RFC 6238's SHA1 test key: 160 bits.
FIXED_KEY = b"12345678901234567890"
START = datetime(2026, 5, 1, 8, 0, 0, tzinfo=UTC)
START_STEP = int(START.timestamp()) // 30


def code_at(step: int, key: bytes = FIXED_KEY) -> str:
    return crypto.totp_code(key, step)


def current_step() -> int:
    return int(time.time()) // 30


def sign_in_with_password(client: Client, user) -> None:
    response = client.post("/account/sign-in/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/two-step/verify/"


def two_step_sign_in(client: Client, user, key: bytes = FIXED_KEY) -> Client:
    """Turn two-step on for ``user`` with ``key`` and sign ``client`` in through both steps (e.g. staff, who must
    pass the second step to enter the admin, item 33). Works with or without a frozen clock."""
    from security.client import SYSTEM
    from security.two_factor.services import authenticator_enroll

    authenticator_enroll(user=user, secret=key, code=code_at(current_step() - 1, key), client=SYSTEM)
    sign_in_with_password(client, user)
    response = client.post("/two-step/verify/", {"method": "totp", "code": code_at(current_step(), key)})
    assert response.status_code == 302, response.content[:500]
    return client
