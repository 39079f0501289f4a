"""Provision app passwords from the command line (printers, monitoring scripts).

    manage.py app_password create --user ADDRESS --name NAME --scope smtp [--expires 2027-01-31|30d] [--json]
    manage.py app_password list --user ADDRESS [--json]
    manage.py app_password revoke --user ADDRESS (--id ID | --all)
    manage.py app_password site-options

Each change is recorded with the system as the actor and notifies the user. Bad input exits non-zero with a
sentence, never a traceback. The new secret is printed once, to stdout only.
"""

import json
import re
from datetime import UTC, datetime, time, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import User, normalize_address
from security.client import SYSTEM
from security.ids import object_id_parse

from ... import services
from ...models import AppPassword, Scope


def _expiry(value: str) -> datetime:
    value = value.strip()
    match = re.fullmatch(r"([0-9]{1,4})d", value)
    if match:
        return timezone.now() + timedelta(days=int(match.group(1)))
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"--expires: {value!r} is neither a date (2027-01-31), a datetime nor a number of days (30d)"
        ) from None
    if len(value) <= 10:  # a date: valid until the end of that day
        parsed = datetime.combine(parsed.date(), time.max)
    try:
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        # Stored in UTC: 9999-12-31T23:59:59-12:00 is past the last datetime Python (and the databases) hold.
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        raise CommandError(f"--expires: {value!r} is outside the dates that can be stored") from None


class Command(BaseCommand):
    help = "Create, list and revoke app passwords for a mailbox."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create one and print it once")
        create.add_argument("--user", required=True)
        create.add_argument("--name", required=True)
        create.add_argument("--scope", required=True, help="smtp (sending), imap (reading: IMAP and POP3) or all")
        create.add_argument("--expires", help="a date (2027-01-31), an ISO datetime, or a number of days (30d)")
        create.add_argument("--json", action="store_true")
        listing = sub.add_parser("list", help="list a user's app passwords (never the secrets)")
        listing.add_argument("--user", required=True)
        listing.add_argument("--json", action="store_true")
        revoke = sub.add_parser("revoke", help="revoke one (--id) or all (--all)")
        revoke.add_argument("--user", required=True)
        group = revoke.add_mutually_exclusive_group(required=True)
        group.add_argument("--id", type=int)
        group.add_argument("--all", action="store_true")
        sub.add_parser("site-options", help="copy PORTAL_MAIL_MAIN_PASSWORD_ALLOWED into the database")

    def handle(self, *args, action, **options):
        if action == "site-options":
            option = services.mail_site_options_sync()
            self.stdout.write(f"main password for mail: {'allowed' if option.main_password_for_mail else 'off'}")
            return
        user = self._user(options.pop("user"))
        getattr(self, f"_{action}")(user, **options)

    def _user(self, address: str) -> User:
        user = User.objects.filter(email=normalize_address(address)).first()
        if user is None:
            raise CommandError(f"no user with the address {address!r}")
        return user

    def _create(self, user, *, name, scope, expires, json: bool, **options):
        if scope not in Scope.values:
            raise CommandError(f"unknown scope {scope!r}: use one of {', '.join(Scope.values)}")
        expires_at = _expiry(expires) if expires else None
        try:
            created = services.app_password_create(
                user=user, name=name, scope=scope, expires_at=expires_at, actor=None, client=SYSTEM
            )
        except services.AppPasswordError as error:
            raise CommandError(str(error)) from None
        app_password = created.app_password
        if json:
            self.stdout.write(_json({**_row(app_password), "login": user.email, "password": created.secret}))
        else:
            self.stdout.write(f"app password #{app_password.pk} for {user.email} ({app_password.scope}):")
            self.stdout.write(created.secret)
            self.stdout.write("It is shown only this once.")

    def _list(self, user, *, json: bool, **options):
        rows = [_row(app_password) for app_password in user.app_passwords.order_by("id")]
        if json:
            self.stdout.write(_json(rows))
            return
        for row in rows:
            self.stdout.write(
                f"{row['id']:>6}  {row['status']:<8} {row['scope']:<5} created {row['created_at']}  "
                f"expires {row['expires_at'] or 'never'}  last used {row['last_used_at'] or 'never'}  "
                f"{row['name']}"
            )
        if not rows:
            self.stdout.write(f"{user.email} has no app passwords")

    def _revoke(self, user, *, id, all: bool, **options):
        if all:
            count = services.app_passwords_revoke_all(user=user, actor=None, client=SYSTEM)
            self.stdout.write(f"revoked {count} app password(s) of {user.email}")
            return
        if object_id_parse(id) is None:
            raise CommandError(f"--id: {id} is not an app password id")
        try:
            app_password = services.app_password_revoke(user=user, app_password_id=id, actor=None, client=SYSTEM)
        except services.AppPasswordNotFound:
            raise CommandError(f"{user.email} has no app password with id {id}") from None
        self.stdout.write(f"revoked app password #{app_password.pk} ({app_password.name}) of {user.email}")


def _row(app_password: AppPassword) -> dict:
    def iso(value):
        return value.isoformat() if value else None

    return {
        "id": app_password.pk,
        "name": app_password.name,
        "scope": app_password.scope,
        "status": app_password.status,
        "created_at": iso(app_password.created_at),
        "expires_at": iso(app_password.expires_at),
        "revoked_at": iso(app_password.revoked_at),
        "last_used_at": iso(app_password.last_used_at),
    }


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)
