"""Cost of the sealed-secrets system check and of ``reseal_secrets``, on the database in DATABASE_URL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench \
        .venv/bin/python bench/key_census.py [--users N] [--smoke]

Migrates the database, adds users with an authenticator and a recovery set each (bulk inserts) until there are N,
then prints a markdown table: the time of the check (median of 5), of a dry-run re-seal after a key rotation, and of
the re-seal. ``--smoke``: 50 users in a temporary SQLite database (checks the bench works; seconds).
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--smoke", action="store_true", help="50 users, a temporary SQLite database")
    args = parser.parse_args()
    if args.smoke:
        args.users = 50
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='portal-census-smoke-')}/census.sqlite3"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction

    from accounts.models import User
    from security.two_factor import checks, crypto
    from security.two_factor.models import AuthenticatorDevice, RecoveryCodeDevice
    from security.two_factor.services import sealed_secrets_reseal

    call_command("migrate", verbosity=0)
    have = User.objects.filter(email__endswith="@census.test").count()
    sealed, key_id = crypto.seal(crypto.totp_secret_new()), crypto.key_id_current()
    for start in range(have, args.users, 5000):
        with transaction.atomic():
            users = User.objects.bulk_create(
                User(email=f"u{n}@census.test", password="!") for n in range(start, min(start + 5000, args.users))
            )
            for model in (AuthenticatorDevice, RecoveryCodeDevice):
                model.objects.bulk_create(
                    model(user=user, name="x", confirmed=True, sealed_key=sealed, sealed_key_id=key_id)
                    for user in users
                )
    rows = AuthenticatorDevice.objects.count() + RecoveryCodeDevice.objects.count()

    def timed(function):
        started = time.perf_counter()
        result = function()
        return time.perf_counter() - started, result

    check_times = [timed(lambda: checks.sealed_secrets_check(databases=["default"]))[0] for _ in range(5)]
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"| {rows:,} sealed rows on {engine} | time | rows/s |")
    print("|---|---|---|")
    print(f"| system check (median of 5) | {statistics.median(check_times) * 1000:.1f} ms | |")
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = old_key + "-rotated", [old_key]
    seconds, _report = timed(lambda: sealed_secrets_reseal(dry_run=True))
    print(f"| reseal_secrets --dry-run | {seconds:.1f} s | {rows / seconds:,.0f} |")
    seconds, _report = timed(lambda: sealed_secrets_reseal())
    print(f"| reseal_secrets | {seconds:.1f} s | {rows / seconds:,.0f} |")
    # Back to the original key, so the next run starts from the same state.
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = old_key, [old_key + "-rotated"]
    sealed_secrets_reseal()


if __name__ == "__main__":
    main()
