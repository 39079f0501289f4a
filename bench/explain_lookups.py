"""EXPLAIN of Dovecot's two lookups on the database in DATABASE_URL, after filling it like bench/smtp_auth.py.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench \
        .venv/bin/python bench/explain_lookups.py [--users N]

Migrates the database, adds users with 3 app passwords each (bulk inserts) until there are N, updates the
planner statistics, and prints the plans for a real login and token. Used for docs/mail-server.md.
"""

import argparse
import hashlib
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    args = parser.parse_args()
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from security.app_passwords.mail_views import lookup_plans
    from security.app_passwords.models import AppPassword

    call_command("migrate", verbosity=0)
    password_hash = make_password("bench-password")
    now = timezone.now()
    have = User.objects.filter(email__endswith="@bench.test").count()
    for start in range(have, args.users, 5000):
        with transaction.atomic():
            made = User.objects.bulk_create(
                [
                    User(email=f"user{i}@bench.test", password=password_hash, date_joined=now)
                    for i in range(start, min(start + 5000, args.users))
                ]
            )
            AppPassword.objects.bulk_create(
                [
                    AppPassword(
                        user=user,
                        name=f"client {n}",
                        scope="all",
                        created_at=now,
                        token_sha256=hashlib.sha256(f"{user.email}/{n}".encode()).hexdigest(),
                    )
                    for user in made
                    for n in range(3)
                ]
            )
    with connection.cursor() as cursor:
        analyze = {
            "postgresql": "ANALYZE",
            "mysql": "ANALYZE TABLE accounts_user, app_passwords_apppassword, app_passwords_mailservice",
            "sqlite": "ANALYZE",
        }
        cursor.execute(analyze[connection.vendor])
        if connection.vendor == "mysql":
            cursor.fetchall()
    login = f"user{args.users // 2}@bench.test"
    token = hashlib.sha256(f"{login}/1".encode()).hexdigest()
    print(
        f"{connection.vendor} {connection.pg_version if connection.vendor == 'postgresql' else ''}"
        f"{connection.mysql_server_info if connection.vendor == 'mysql' else ''}, {args.users} users, "
        f"{AppPassword.objects.count()} app passwords"
    )
    for view, plan in lookup_plans(connection, login=login, token=token).items():
        print(f"-- {view}\n{plan}")


if __name__ == "__main__":
    main()
