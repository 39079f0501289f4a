"""Signing Apple configuration profiles (CMS SignedData, DER, content attached), so iOS and macOS show them as
verified when the certificate chains to a root they trust.

Invariants:
- Signing is on when both ``PORTAL_MAIL_PROFILE_SIGNING_CERT`` and ``PORTAL_MAIL_PROFILE_SIGNING_KEY`` name
  PEM files; off when both are empty. Anything in between, or a file that does not load, is a configuration error
  (system check ``mail_clients.E003``), never a silently unsigned profile.
- The first certificate in the CERT file signs; the rest are intermediates carried in the signature.
- The ``Binary`` option keeps the plist bytes exactly as built (no MIME line-ending rewrite).
"""

from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from portal.conf import portal_settings


class SigningNotConfigured(Exception):
    pass


@dataclass(frozen=True)
class ProfileSigner:
    certificate: x509.Certificate
    key: object
    intermediates: tuple[x509.Certificate, ...]

    def sign(self, data: bytes) -> bytes:
        builder = pkcs7.PKCS7SignatureBuilder().set_data(data).add_signer(self.certificate, self.key, hashes.SHA256())
        for certificate in self.intermediates:
            builder = builder.add_certificate(certificate)
        return builder.sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])


def profile_signer() -> ProfileSigner | None:
    cert_path = portal_settings.mail_profile_signing_cert
    key_path = portal_settings.mail_profile_signing_key
    if not cert_path and not key_path:
        return None
    if not (cert_path and key_path):
        raise SigningNotConfigured(
            "Set both PORTAL_MAIL_PROFILE_SIGNING_CERT and PORTAL_MAIL_PROFILE_SIGNING_KEY, or neither."
        )
    try:
        certificates = x509.load_pem_x509_certificates(Path(cert_path).read_bytes())
        password = portal_settings.mail_profile_signing_key_password
        key = serialization.load_pem_private_key(
            Path(key_path).read_bytes(), password=password.encode() if password else None
        )
    except (OSError, ValueError, TypeError) as error:
        raise SigningNotConfigured(f"The profile signing certificate or key does not load: {error}") from None
    if certificates[0].public_key() != key.public_key():
        raise SigningNotConfigured("The profile signing key does not belong to the first certificate.")
    return ProfileSigner(certificate=certificates[0], key=key, intermediates=tuple(certificates[1:]))


def profile_signing_enabled() -> bool:
    try:
        return profile_signer() is not None
    except SigningNotConfigured:
        return False
