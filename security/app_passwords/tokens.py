"""App-password secrets (docs/security.md item 21).

Invariants:
- A secret is ``TOKEN_LENGTH`` characters drawn with ``secrets.choice`` from ``ALPHABET``: 25 lowercase letters
  from an alphabet of 24 (no ``l``, no ``o``), log2(24) * 25 = 114.6 bits. Lowercase letters only, so a phone
  keyboard never needs the shift or symbol key; ``l`` and ``o`` are left out because they read as ``1`` and ``0``.
- The secret has no separators. Pages show it in groups of five with CSS spacing only, so what a user selects or
  copies is exactly the string Dovecot hashes.
- Only ``token_sha256(secret)`` (lowercase hex SHA-256 of the exact string, the value Dovecot computes with
  ``%{sha256:password}``) is stored. The plaintext exists only in the return value of ``app_password_create``.
"""

import math
import secrets

from security import tokens

ALPHABET = "abcdefghijkmnpqrstuvwxyz"
TOKEN_LENGTH = 25
GROUP = 5
ENTROPY_BITS = TOKEN_LENGTH * math.log2(len(ALPHABET))


def token_generate() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(TOKEN_LENGTH))


def token_sha256(secret: str) -> str:
    """The mail-server contract's hash (``security.tokens.APP_PASSWORD``)."""
    return tokens.token_digest(tokens.APP_PASSWORD, secret)


def token_groups(secret: str) -> list[str]:
    """For display only: the secret in groups of five."""
    return [secret[i : i + GROUP] for i in range(0, len(secret), GROUP)]
