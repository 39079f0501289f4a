"""The cryptography of two-step verification, pure and small enough to audit in one sitting (docs/security.md
items 8, 9, 19).

Invariants:
- A TOTP secret is 160 bits from ``secrets``. At rest it exists only encrypted (Fernet: AES-128-CBC + HMAC-SHA256)
  under a key derived with HKDF from ``SECRET_KEY``; ``SECRET_KEY_FALLBACKS`` still decrypt, so the key can be
  rotated. The plaintext secret lives only in memory while a code is checked or the setup page is drawn.
- Codes are SHA1, 6 digits, 30 s steps (RFC 6238). The otpauth URI carries the issuer in the label and as a
  parameter, and its Base32 secret has no padding.
- A recovery code has 16 characters from a 31-letter alphabet (79 bits). Only a keyed HMAC-SHA256 of it is stored,
  so a copy of the database alone is not enough to test guesses. The HMAC key is a random key per set, stored
  sealed like a TOTP secret, so a server-key rotation re-seals it and every code keeps working.
- Every comparison of a code goes through ``hmac.compare_digest``.
- Each sealed secret and each recovery-code set records the *key id* of the server key it was made under (a
  one-way HKDF output, useless to an attacker), so finding what the configured keys can no longer open is one
  grouped query, not a decryption of every row (``checks.py``, ``manage.py reseal_secrets``).
"""

import base64
import hmac
import secrets
from urllib.parse import quote, urlencode

import qrcode
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django_otp.oath import hotp
from qrcode.image.svg import SvgPathImage

from security import tokens

TOTP_SECRET_BYTES = 20  # 160 bits (RFC 4226 R6)
TOTP_DIGITS = 6
TOTP_STEP_SECONDS = 30
TOTP_ALGORITHM = "SHA1"

RECOVERY_CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: easy to read off paper
RECOVERY_CODE_LENGTH = 16
RECOVERY_CODE_GROUP = 4

__all__ = ["InvalidToken"]


_server_keys = tokens.server_keys


def _derive(server_key: str, purpose: bytes) -> bytes:
    return tokens.server_key_derive(server_key, b"portal.two_factor." + purpose)


def _fernets() -> list[Fernet]:
    return [Fernet(base64.urlsafe_b64encode(_derive(key, b"secrets"))) for key in _server_keys()]


def _fernet() -> MultiFernet:
    return MultiFernet(_fernets())


def key_id(server_key: str) -> str:
    """A short public name for a server key: which key sealed a row, without revealing anything of the key."""
    return _derive(server_key, b"key-id")[:8].hex()


def key_id_current() -> str:
    return key_id(settings.SECRET_KEY)


def key_ids_configured() -> list[str]:
    """The current key's id first, then each fallback's."""
    return [key_id(key) for key in _server_keys()]


def seal(plaintext: bytes) -> str:
    """Encrypt and authenticate with the current server key."""
    return _fernet().encrypt(plaintext).decode()


def unseal(token: str, *, max_age_seconds: int | None = None) -> bytes:
    """Decrypt with the current or a fallback key. Raises ``InvalidToken`` if forged, garbled or too old."""
    return _fernet().decrypt(token.encode(), ttl=max_age_seconds)


def unseal_with_key_id(token: str) -> tuple[bytes, str]:
    """Decrypt, and say under which configured key (its id). Raises ``InvalidToken`` if no configured key opens
    it. Used to re-seal under the current key (``reseal_secrets``)."""
    for server_key, fernet in zip(_server_keys(), _fernets(), strict=True):
        try:
            return fernet.decrypt(token.encode()), key_id(server_key)
        except InvalidToken:
            continue
    raise InvalidToken


# --- TOTP ------------------------------------------------------------------------------------------------
def totp_secret_new() -> bytes:
    return secrets.token_bytes(TOTP_SECRET_BYTES)


def totp_secret_base32(secret: bytes) -> str:
    return base64.b32encode(secret).decode().rstrip("=")


def totp_secret_for_display(secret: bytes) -> str:
    """``ABCD EFGH …``: groups of four for typing into an app by hand."""
    text = totp_secret_base32(secret)
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def otpauth_uri(*, secret: bytes, account: str, issuer: str) -> str:
    """Key Uri Format: ``otpauth://totp/Issuer:account?secret=…&issuer=Issuer&…``."""
    issuer = issuer.replace(":", "").strip()
    label = quote(f"{issuer}:{account}", safe="@:")
    params = urlencode(
        {
            "secret": totp_secret_base32(secret),
            "issuer": issuer,
            "algorithm": TOTP_ALGORITHM,
            "digits": TOTP_DIGITS,
            "period": TOTP_STEP_SECONDS,
        },
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{params}"


def totp_step_at(timestamp: float) -> int:
    return int(timestamp // TOTP_STEP_SECONDS)


def totp_code(secret: bytes, step: int) -> str:
    return f"{hotp(secret, step, digits=TOTP_DIGITS):0{TOTP_DIGITS}d}"


def totp_match(secret: bytes, code: str, steps: list[int]) -> int | None:
    """The first of ``steps`` whose code equals ``code``, or None. Every candidate is compared."""
    found = None
    for step in steps:
        if hmac.compare_digest(totp_code(secret, step), code) and found is None:
            found = step
    return found


def qr_svg(data: str) -> str:
    """The QR code as inline SVG. ``SvgPathImage`` is the factory that renders when inlined."""
    image = qrcode.make(data, image_factory=SvgPathImage, error_correction=qrcode.constants.ERROR_CORRECT_M)
    return image.to_string(encoding="unicode")


# --- Recovery codes ------------------------------------------------------------------------------------
def recovery_code_new() -> str:
    raw = "".join(secrets.choice(RECOVERY_CODE_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
    return "-".join(raw[i : i + RECOVERY_CODE_GROUP] for i in range(0, len(raw), RECOVERY_CODE_GROUP))


def recovery_code_normalize(text: str) -> str | None:
    """What the user typed, without case, spaces or dashes; None if it cannot be a recovery code."""
    cleaned = "".join(text.split()).replace("-", "").lower()
    if len(cleaned) != RECOVERY_CODE_LENGTH or any(c not in RECOVERY_CODE_ALPHABET for c in cleaned):
        return None
    return cleaned


def recovery_set_key_new() -> bytes:
    return secrets.token_bytes(32)


def recovery_code_digest(set_key: bytes, normalized: str) -> str:
    """The stored form of a code of a set whose (sealed) HMAC key is ``set_key``."""
    return tokens.token_digest(tokens.RECOVERY_CODE, normalized, key=set_key)


def recovery_code_digests(normalized: str) -> list[str]:
    """Sets made before per-set keys (no sealed key): the HMAC under a key derived from the current server key,
    then from each fallback. Such a digest cannot be re-keyed without the code itself, so a legacy set stops
    working when its server key leaves ``SECRET_KEY_FALLBACKS``."""
    return tokens.token_digests(tokens.RECOVERY_CODE_LEGACY, normalized)
