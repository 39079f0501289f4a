"""Cost of the mail-app answers, in process (Django's test client, no network): autoconfig GET, autodiscover
POST, and signing one Apple profile.

    .venv/bin/python bench/mail_discovery.py [--requests N] [--smoke]

Prints a markdown table of the median and 99th percentile per request. No database is needed: the answers make no
query. ``--smoke``: 20 requests and 5 signatures (checks the bench works).
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
    parser.add_argument("--smoke", action="store_true", help="20 requests, 5 signatures")
    args = parser.parse_args()
    signatures = 200
    if args.smoke:
        args.requests, signatures = 20, 5
    import django

    django.setup()
    import logging

    from django.test import Client

    logging.getLogger("portal.request").setLevel(logging.WARNING)  # one access line per request would drown the table

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
    print("| mail-app answer | p50 (ms) | p99 (ms) | runs |")
    print("|---|---|---|---|")
    for name, function in (("autoconfig GET", autoconfig), ("autodiscover POST", autodiscover)):
        p50, p99 = timed(function, args.requests)
        print(f"| {name} | {p50:.2f} | {p99:.2f} | {args.requests} |")
    p50, p99 = timed(lambda: signer.sign(plist), signatures)
    print(f"| Apple profile signing (ECDSA P-256) | {p50:.2f} | {p99:.2f} | {signatures} |")

if __name__ == "__main__":
    main()
