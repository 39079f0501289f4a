"""A throwaway root → intermediate → leaf chain for signing profiles in tests."""

import datetime
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject, subject_key, issuer, issuer_key, *, ca: bool) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer.subject if issuer else _name(subject))
        .public_key(subject_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )


@dataclass
class Chain:
    root_pem: Path
    cert_pem: Path  # leaf, then intermediate
    key_pem: Path


def make_chain(directory: Path, *, name: str = "Example Mail profiles") -> Chain:
    root_key, mid_key, leaf_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    root = _certificate(f"{name} root", root_key, None, root_key, ca=True)
    mid = _certificate(f"{name} intermediate", mid_key, root, root_key, ca=True)
    leaf = _certificate(name, leaf_key, mid, mid_key, ca=False)
    pem = serialization.Encoding.PEM
    chain = Chain(directory / f"{name}-root.pem", directory / f"{name}-cert.pem", directory / f"{name}-key.pem")
    chain.root_pem.write_bytes(root.public_bytes(pem))
    chain.cert_pem.write_bytes(leaf.public_bytes(pem) + mid.public_bytes(pem))
    chain.key_pem.write_bytes(
        leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return chain
