"""Creates (once) the demo account that ``make run`` prints. Safe to run again: it never makes a second one."""

from django.core.management.base import BaseCommand

from accounts.models import User

DEMO_ADDRESS = "demo@example.com"
DEMO_PASSWORD = "Quiet-River-Lantern-42"  # noqa: S105 - a published demo login for a local SQLite database


class Command(BaseCommand):
    help = "Create the local demo account (demo@example.com) if it does not exist, and print its login."

    def handle(self, *args, **options):
        user, created = User.objects.get_or_create(email=DEMO_ADDRESS, defaults={"full_name": "Demo User"})
        # Setting the same password again is not a change (User.save): nothing the demo user has stops working.
        user.set_password(DEMO_PASSWORD)
        user.save()
        state = "created" if created else "already there"
        self.stdout.write(
            self.style.SUCCESS(f"Demo account {state}.\n  address:  {DEMO_ADDRESS}\n  password: {DEMO_PASSWORD}")
        )
