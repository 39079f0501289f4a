"""Cost of the mail-app answers, in process (Django's test client, no network): autoconfig GET, autodiscover
POST, and signing one Apple profile.

    .venv/bin/python bench/mail_discovery.py [--requests N]

Prints the median and 99th percentile per request. No database is needed: the answers make no query.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")


def timed(function, n: int) -> tuple[float, float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    import django

    django.setup()
    from django.test import Client

    from security.mail_clients.signing import ProfileSigner
    from tests.mail_clients.certs import make_chain
    from tests.mail_clients.test_discovery import autodiscover_body

    client = Client()
    body = autodiscover_body("someone@example.com")

    def autoconfig():
        assert client.get("/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=a@example.com").status_code == 200

    def autodiscover():
        assert client.post("/autodiscover/autodiscover.xml", body, content_type="text/xml").status_code == 200

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    chain = make_chain(Path(tempfile.mkdtemp()))
    certificates = x509.load_pem_x509_certificates(chain.cert_pem.read_bytes())
    signer = ProfileSigner(
        certificates[0], serialization.load_pem_private_key(chain.key_pem.read_bytes(), None), tuple(certificates[1:])
    )
    plist = b"<plist>" + b"x" * 2000 + b"</plist>"
    for name, function in (("autoconfig GET", autoconfig), ("autodiscover POST", autodiscover)):
        p50, p99 = timed(function, args.requests)
        print(f"{name:20s} p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  ({args.requests} requests)")
    p50, p99 = timed(lambda: signer.sign(plist), 200)
    print(f"{'profile signing':20s} p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  (200 signatures, ECDSA P-256)")


if __name__ == "__main__":
    main()
