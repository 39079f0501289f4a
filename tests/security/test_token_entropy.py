"""Items 19, 21, 27: the entropy of secrets the code actually made, not of constants.

For each kind of secret, many real values come from the service that issues them. The measure is
length × log2(alphabet), with the alphabet being the set of characters those values were seen to use (so a
generator drawing from fewer symbols, or making shorter values, measures lower); every value must be distinct,
and no symbol may turn up more than twice as often as a uniform draw would make it."""

import math
from collections import Counter

import pytest

from security.app_passwords.services import app_password_create, app_password_revoke
from security.client import SYSTEM
from security.client import Client as ClientInfo
from security.trusted_devices.services import trusted_device_create
from security.two_factor.services import recovery_codes_regenerate
from tests.factories import UserFactory

SAMPLES = 120


def measured_bits(values: list[str]) -> float:
    assert len(set(values)) == len(values), "a secret was issued twice"
    symbols = Counter("".join(values))
    expected = sum(symbols.values()) / len(symbols)
    assert max(symbols.values()) < 2 * expected, f"not uniform: {symbols.most_common(3)}"
    return min(len(value) for value in values) * math.log2(len(symbols))


@pytest.mark.django_db
def test_token_entropy_is_at_least_128_bits():
    """Trusted-device cookies (item 27): the secret after the public lookup id."""
    user = UserFactory()
    secrets = []
    for index in range(SAMPLES):
        client = ClientInfo(ip="203.0.113.7", user_agent=f"Browser {index}")  # a new device each time
        _device, cookie = trusted_device_create(user=user, client=client, cookie_value=None)
        _lookup_id, secret = cookie.split(".", 1)
        secrets.append(secret)
    assert measured_bits(secrets) >= 128


@pytest.mark.django_db
def test_app_password_entropy_is_at_least_112_bits():
    """App passwords (item 21): the whole secret is what Dovecot hashes."""
    user = UserFactory()
    secrets = []
    for index in range(SAMPLES):
        created = app_password_create(user=user, name=f"n{index}", scope="smtp", actor=None, client=SYSTEM)
        app_password_revoke(user=user, app_password_id=created.app_password.pk, actor=None, client=SYSTEM)
        secrets.append(created.secret)
    assert measured_bits(secrets) >= 112


def test_recovery_code_entropy_is_at_least_64_bits(enrolled):
    """Recovery codes (item 19), without the dashes that group them for reading."""
    codes = list(enrolled.recovery_codes)
    while len(codes) < SAMPLES:
        codes += recovery_codes_regenerate(user=enrolled, client=SYSTEM)
    assert measured_bits([code.replace("-", "") for code in codes]) >= 64
