"""Items 8, 9, 19: secret size and storage, otpauth URI format, recovery-code entropy and hashing."""

import math
import re
from urllib.parse import parse_qs, unquote, urlparse

import pyotp
import pytest
from django.test import override_settings

from security.two_factor import crypto
from security.two_factor.models import AuthenticatorDevice, RecoveryCode, RecoveryCodeDevice
from tests.two_factor.otp import FIXED_KEY, START_STEP, code_at


def test_secret_is_160_bits_from_secrets_and_never_repeats():
    secrets_made = {crypto.totp_secret_new() for _ in range(50)}
    assert len(secrets_made) == 50
    assert all(len(secret) * 8 == 160 for secret in secrets_made)


def test_otpauth_uri_has_issuer_in_label_and_parameter_and_no_padding():
    uri = crypto.otpauth_uri(secret=FIXED_KEY, account="alice@example.com", issuer="Example: Mail")
    parsed = urlparse(uri)
    assert parsed.scheme == "otpauth" and parsed.netloc == "totp"
    assert unquote(parsed.path) == "/Example Mail:alice@example.com"
    params = parse_qs(parsed.query)
    assert params["issuer"] == ["Example Mail"]
    assert params["algorithm"] == ["SHA1"] and params["digits"] == ["6"] and params["period"] == ["30"]
    assert "=" not in params["secret"][0] and len(params["secret"][0]) == 32
    # An independent implementation reads the same secret and computes the same codes.
    totp = pyotp.parse_uri(uri)
    assert totp.issuer == "Example Mail" and totp.digits == 6 and totp.interval == 30
    assert totp.at(START_STEP * 30) == code_at(START_STEP)


def test_secret_for_display_is_grouped_base32_without_padding():
    text = crypto.totp_secret_for_display(FIXED_KEY)
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", text)
    assert text.replace(" ", "") == crypto.totp_secret_base32(FIXED_KEY)


def test_secret_is_stored_sealed(enrolled):
    device = AuthenticatorDevice.objects.get(user=enrolled)
    stored = device.sealed_key
    for plain in (FIXED_KEY.decode(), FIXED_KEY.hex(), crypto.totp_secret_base32(FIXED_KEY)):
        assert plain.lower() not in stored.lower()
    assert device.secret == FIXED_KEY


def test_sealed_secret_survives_key_rotation_and_refuses_a_wrong_key(enrolled, settings):
    sealed = AuthenticatorDevice.objects.get(user=enrolled).sealed_key
    old_key = settings.SECRET_KEY
    with override_settings(SECRET_KEY="a-brand-new-key-" + "x" * 40, SECRET_KEY_FALLBACKS=[old_key]):
        assert crypto.unseal(sealed) == FIXED_KEY
    with (
        override_settings(SECRET_KEY="someone-else-" + "y" * 40, SECRET_KEY_FALLBACKS=[]),
        pytest.raises(crypto.InvalidToken),
    ):
        crypto.unseal(sealed)


def test_recovery_codes_have_at_least_64_bits_and_are_stored_hashed(enrolled):
    codes = enrolled.recovery_codes
    assert len(codes) == 10 and len(set(codes)) == 10
    bits = crypto.RECOVERY_CODE_LENGTH * math.log2(len(crypto.RECOVERY_CODE_ALPHABET))
    assert bits >= 64
    assert all(re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", code) for code in codes)
    stored = list(RecoveryCode.objects.filter(device__user=enrolled).values_list("digest", flat=True))
    assert len(stored) == 10
    # The HMAC key is the set's own random key, stored only sealed (so a key rotation can re-seal it).
    device = RecoveryCodeDevice.objects.get(user=enrolled)
    set_key = device.secret
    assert len(set_key) == 32 and set_key.hex() not in device.sealed_key
    assert device.sealed_key_id == crypto.key_id_current()
    for code in codes:
        normalized = crypto.recovery_code_normalize(code)
        assert all(normalized not in digest and code not in digest for digest in stored)
        assert crypto.recovery_code_digest(set_key, normalized) in stored


@pytest.mark.parametrize(
    ("typed", "ok"),
    [
        ("ABCD-EFGH-JKMN-PQRS", True),
        (" abcd efgh jkmn pqrs ", True),
        ("abcd-efgh-jkmn-pqr", False),
        ("abcd-efgh-jkmn-pqr0", False),
        ("", False),
        ("x" * 10_000, False),
    ],
)
def test_recovery_code_normalize(typed, ok):
    assert (crypto.recovery_code_normalize(typed) is not None) is ok
