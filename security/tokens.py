"""What the server stores of the secrets it issues: one module, one named purpose per kind of secret.

Every code, token, link or session key the portal hands out and later checks is turned into its stored (or sent)
form here, and checked here, always with ``hmac.compare_digest``. A purpose fixes the scheme and the salt, so a
stored value stays verifiable for as long as its purpose exists: never change a purpose's scheme or salt without a
migration that keeps the old values working (the salts are the strings the code used before this module).

Schemes, and what a ``SECRET_KEY`` rotation does to each (docs/security.md, "Rotating SECRET_KEY"):

- ``SHA256``: lowercase hex SHA-256 of the exact secret, unkeyed. Unaffected by a rotation. Only for secrets with
  enough entropy that a database copy cannot be searched (app passwords: 114 bits, fixed by the mail-server
  contract, Dovecot computes ``%{sha256:password}``; trusted-device tokens: 256 bits).
- ``HMAC``: Django's ``salted_hmac`` (SHA-256) under ``SECRET_KEY``. Purposes with ``fallbacks`` also accept values
  made under ``SECRET_KEY_FALLBACKS`` (they outlive a rotation while the old key is a fallback); the others are
  short-lived codes that are simply refused after a switch, and the user asks for a new one.
- ``SIGNED``: ``django.core.signing`` with the purpose's salt and ``max_age``; Django tries the fallbacks.
- ``SET_KEY``: HMAC-SHA256 under a random key of the set, which is stored sealed (``two_factor/crypto.py``), so a
  rotation only re-seals that key and every value keeps matching.
- ``SERVER_KEY_HKDF``: HMAC-SHA256 under a key derived with HKDF from each configured server key. Verify only
  (recovery-code sets made before per-set keys); such a value stops matching when its key leaves the fallbacks.
"""

import enum
import functools
import hashlib
import hmac
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac


class Scheme(enum.Enum):
    SHA256 = "sha256"
    HMAC = "hmac"
    SIGNED = "signed"
    SET_KEY = "set_key"
    SERVER_KEY_HKDF = "server_key_hkdf"


@dataclass(frozen=True)
class TokenPurpose:
    name: str
    scheme: Scheme
    salt: str = ""  # salted_hmac's key_salt, signing's salt, or the HKDF info; part of every stored value
    fallbacks: bool = False  # HMAC: also accept values made under SECRET_KEY_FALLBACKS
    max_age_seconds: int | None = None  # SIGNED
    on_key_rotation: str = ""  # what a SECRET_KEY rotation does (the docs' table says the same)


APP_PASSWORD = TokenPurpose(
    "app_password", Scheme.SHA256, on_key_rotation="unaffected (the mail server hashes the same way)"
)
TRUSTED_DEVICE = TokenPurpose("trusted_device", Scheme.SHA256, on_key_rotation="unaffected")
SMS_CODE = TokenPurpose(
    "sms_code", Scheme.HMAC, salt="security.phone.sms_code", on_key_rotation="codes sent before are refused"
)
SMS_SESSION = TokenPurpose(
    "sms_session", Scheme.HMAC, salt="security.phone.session", on_key_rotation="as its code: ask for a new one"
)
RECOVERY_EMAIL_CODE = TokenPurpose(
    "recovery_email_code", Scheme.HMAC, salt="accounts.recovery.code", on_key_rotation="refused: start again"
)
RECOVERY_SESSION = TokenPurpose(
    "recovery_session", Scheme.HMAC, salt="accounts.recovery.session", on_key_rotation="refused: start again"
)
SESSION_AUTH = TokenPurpose(
    "session_auth",
    Scheme.HMAC,
    salt="accounts.User.get_session_auth_hash",
    fallbacks=True,
    on_key_rotation="accepted under a fallback, renewed at the next request",
)
NOTIFICATION_ADDRESS_CONFIRM = TokenPurpose(
    "notification_address_confirm",
    Scheme.SIGNED,
    salt="security.notification_address",
    max_age_seconds=24 * 3600,
    on_key_rotation="links accepted under a fallback; after it is dropped they are invalid",
)
RECOVERY_CODE = TokenPurpose("recovery_code", Scheme.SET_KEY, on_key_rotation="unaffected once the set is re-sealed")
RECOVERY_CODE_LEGACY = TokenPurpose(
    "recovery_code_legacy",
    Scheme.SERVER_KEY_HKDF,
    salt="portal.two_factor.recovery-codes",
    on_key_rotation="accepted under a fallback; stops matching when the key is dropped",
)

PURPOSES = [
    APP_PASSWORD,
    TRUSTED_DEVICE,
    SMS_CODE,
    SMS_SESSION,
    RECOVERY_EMAIL_CODE,
    RECOVERY_SESSION,
    SESSION_AUTH,
    NOTIFICATION_ADDRESS_CONFIRM,
    RECOVERY_CODE,
    RECOVERY_CODE_LEGACY,
]


def server_keys() -> list[str]:
    """``SECRET_KEY``, then each of ``SECRET_KEY_FALLBACKS``."""
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


@functools.lru_cache(maxsize=64)  # the server keys already live in memory; this saves an HKDF per row in a re-seal
def server_key_derive(server_key: str, info: bytes) -> bytes:
    """32 bytes of HKDF-SHA256 from one server key, for one use named by ``info``."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(server_key.encode())


def _hmac_sha256(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def token_digests(purpose: TokenPurpose, value: str, *, key: bytes | None = None) -> list[str]:
    """Every stored form ``value`` may have under ``purpose``, the one to store now first. ``key`` is the set's
    own key (``SET_KEY``)."""
    if purpose.scheme is Scheme.SHA256:
        return [hashlib.sha256(value.encode("utf-8")).hexdigest()]
    if purpose.scheme is Scheme.HMAC:
        secrets_ = server_keys() if purpose.fallbacks else [settings.SECRET_KEY]
        return [salted_hmac(purpose.salt, value, secret=secret, algorithm="sha256").hexdigest() for secret in secrets_]
    if purpose.scheme is Scheme.SET_KEY:
        if key is None:
            raise ValueError(f"{purpose.name} needs the set's key")
        return [_hmac_sha256(key, value)]
    if purpose.scheme is Scheme.SERVER_KEY_HKDF:
        info = purpose.salt.encode()
        return [_hmac_sha256(server_key_derive(server_key, info), value) for server_key in server_keys()]
    raise ValueError(f"{purpose.name} is signed, not digested: use token_sign")


def token_digest(purpose: TokenPurpose, value: str, *, key: bytes | None = None) -> str:
    """The form of ``value`` to store now."""
    if purpose.scheme is Scheme.SERVER_KEY_HKDF:
        raise ValueError(f"{purpose.name} is only verified; new values use another purpose")
    return token_digests(purpose, value, key=key)[0]


def token_matches(purpose: TokenPurpose, value: str, stored: str, *, key: bytes | None = None) -> bool:
    """Is ``stored`` a stored form of ``value``? False for an empty ``stored``. Every candidate is compared."""
    if not stored:
        return False
    found = False
    for candidate in token_digests(purpose, value, key=key):
        found |= hmac.compare_digest(stored, candidate)
    return found


def token_sign(purpose: TokenPurpose, data) -> str:
    """A signed, timestamped token carrying ``data`` (JSON-serialisable)."""
    if purpose.scheme is not Scheme.SIGNED:
        raise ValueError(f"{purpose.name} is not a signed purpose")
    return signing.dumps(data, salt=purpose.salt)


def token_unsign(purpose: TokenPurpose, token: str):
    """The data of a token made by ``token_sign`` for ``purpose``. Raises ``signing.BadSignature`` (or its
    subclass ``SignatureExpired``) if it is forged, of another purpose, or older than the purpose allows."""
    if purpose.scheme is not Scheme.SIGNED:
        raise ValueError(f"{purpose.name} is not a signed purpose")
    return signing.loads(token, salt=purpose.salt, max_age=purpose.max_age_seconds)
