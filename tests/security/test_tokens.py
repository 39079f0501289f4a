"""``security/tokens.py``: every server-issued secret is digested, signed and checked by one module, and every
purpose still produces exactly what was stored before it existed (no stored code, token or link stops working)."""

import hashlib
import hmac

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core import signing
from django.utils.crypto import salted_hmac

from security import tokens
from tests.security.test_one_rule_one_place import _calls, _files

NEW_KEY = "rotated-key-" + "n" * 50


def _old(purpose_name: str, value: str, *, key: bytes = b"", secret=None) -> str:
    """The formulas the code used before the tokens module, copied literally."""
    return {
        "app_password": lambda: hashlib.sha256(value.encode("utf-8")).hexdigest(),
        "trusted_device": lambda: hashlib.sha256(value.encode()).hexdigest(),
        "sms_code": lambda: salted_hmac("security.phone.sms_code", value, algorithm="sha256").hexdigest(),
        "sms_session": lambda: salted_hmac("security.phone.session", value, algorithm="sha256").hexdigest(),
        "recovery_email_code": lambda: salted_hmac("accounts.recovery.code", value, algorithm="sha256").hexdigest(),
        "recovery_session": lambda: salted_hmac("accounts.recovery.session", value, algorithm="sha256").hexdigest(),
        "session_auth": lambda: salted_hmac(
            "accounts.User.get_session_auth_hash", value, secret=secret, algorithm="sha256"
        ).hexdigest(),
        "recovery_code": lambda: hmac.new(key, value.encode(), hashlib.sha256).hexdigest(),
    }[purpose_name]()


@pytest.mark.parametrize(
    "purpose",
    [purpose for purpose in tokens.PURPOSES if purpose.scheme in (tokens.Scheme.SHA256, tokens.Scheme.HMAC)]
    + [tokens.RECOVERY_CODE],
    ids=lambda purpose: purpose.name,
)
def test_each_purpose_stores_what_was_stored_before(purpose):
    key = b"k" * 32
    value = "0123456789abcdef:481516"
    assert tokens.token_digest(purpose, value, key=key) == _old(purpose.name, value, key=key)
    assert tokens.token_matches(purpose, value, _old(purpose.name, value, key=key), key=key)
    assert not tokens.token_matches(purpose, value + "x", _old(purpose.name, value, key=key), key=key)
    assert not tokens.token_matches(purpose, value, "", key=key)


def test_the_app_password_hash_is_the_mail_servers():
    # Dovecot's %{sha256:password}: lowercase hex of the exact string, fixed by the mail-server contract.
    assert tokens.token_digest(tokens.APP_PASSWORD, "abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_legacy_recovery_code_sets_match_under_every_configured_key(settings):
    old_key = settings.SECRET_KEY
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"portal.two_factor.recovery-codes").derive(
        old_key.encode()
    )
    stored = hmac.new(derived, b"abcd2345efgh6789", hashlib.sha256).hexdigest()
    assert tokens.token_matches(tokens.RECOVERY_CODE_LEGACY, "abcd2345efgh6789", stored)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, [old_key]
    assert tokens.token_matches(tokens.RECOVERY_CODE_LEGACY, "abcd2345efgh6789", stored)
    settings.SECRET_KEY_FALLBACKS = []
    assert not tokens.token_matches(tokens.RECOVERY_CODE_LEGACY, "abcd2345efgh6789", stored)
    with pytest.raises(ValueError):
        tokens.token_digest(tokens.RECOVERY_CODE_LEGACY, "abcd2345efgh6789")  # verify only


def test_a_key_rotation_does_what_each_purpose_documents(settings):
    """HMAC purposes with fallbacks survive while the old key is a fallback; short-lived codes are refused."""
    old_key = settings.SECRET_KEY
    stored = {
        purpose: tokens.token_digest(purpose, "stamp")
        for purpose in tokens.PURPOSES
        if purpose.scheme is tokens.Scheme.HMAC
    }
    link = tokens.token_sign(tokens.NOTIFICATION_ADDRESS_CONFIRM, {"user": 1})
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, [old_key]
    for purpose, digest in stored.items():
        assert tokens.token_matches(purpose, "stamp", digest) is purpose.fallbacks, purpose.name
    assert stored[tokens.SESSION_AUTH] == _old("session_auth", "stamp", secret=old_key)
    assert tokens.token_unsign(tokens.NOTIFICATION_ADDRESS_CONFIRM, link) == {"user": 1}
    settings.SECRET_KEY_FALLBACKS = []
    assert not any(tokens.token_matches(purpose, "stamp", digest) for purpose, digest in stored.items())
    with pytest.raises(signing.BadSignature):
        tokens.token_unsign(tokens.NOTIFICATION_ADDRESS_CONFIRM, link)
    assert all(purpose.on_key_rotation for purpose in tokens.PURPOSES)


def test_a_signed_token_of_one_purpose_is_no_token_of_another():
    link = tokens.token_sign(tokens.NOTIFICATION_ADDRESS_CONFIRM, {"user": 1})
    with pytest.raises(signing.BadSignature):
        signing.loads(link, salt="another.purpose")
    with pytest.raises(ValueError):
        tokens.token_sign(tokens.SMS_CODE, {"user": 1})


# Hashes of things that are not secrets: cache and counter keys, so an address or a number is not readable there.
NOT_SECRETS = {
    "accounts/services/throttle.py",  # sign-in counter keys from the address
    "accounts/recovery/services.py",  # recovery rate-limit keys from the address
    "security/phone/limits.py",  # SMS quota keys from the number and IP
    "security/mail_policy/throttle.py",  # mail sign-in counter keys from the login
    "security/passkeys/services.py",  # the challenge's cache key, the unique index of public credential ids
}


def test_only_the_tokens_module_digests_or_signs_a_secret():
    places = {
        "hashlib.sha256": _calls("sha256", receiver_has="hashlib"),
        "hmac.new": _calls("new", receiver_has="hmac"),
        "salted_hmac": _calls("salted_hmac"),
        "signing.dumps/loads": _calls("dumps", receiver_has="signing") + _calls("loads", receiver_has="signing"),
        "HKDF": _calls("HKDF"),
    }
    for name, found in places.items():
        assert _files(found) - NOT_SECRETS <= {"security/tokens.py"}, (name, found)
    assert all(_files(found) & {"security/tokens.py"} for found in places.values())  # the scan finds the module
