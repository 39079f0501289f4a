"""Re-seal every sealed two-step secret under the current SECRET_KEY (step 2 of a key rotation, docs/security.md).

    manage.py reseal_secrets [--dry-run]

Prints how many secrets were re-sealed, were already current, and cannot be opened with SECRET_KEY or
SECRET_KEY_FALLBACKS (with -v 2, also those users' addresses, for the helpdesk). Safe to run again at any time.
Exits with status 1 when some secret cannot be opened, so a deploy script does not drop the old key by mistake.
"""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User

from ...selectors import recovery_sets_without_sealed_key
from ...services import sealed_secrets_reseal

LABELS = {"authenticator": "Authenticator app secrets", "recovery": "Recovery-code set keys"}


class Command(BaseCommand):
    help = "Re-seal TOTP secrets and recovery-code set keys under the current SECRET_KEY, and report counts."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count only; write nothing.")

    def handle(self, *args, dry_run=False, verbosity=1, **options):
        report = sealed_secrets_reseal(dry_run=dry_run)
        verb = "would be re-sealed" if dry_run else "re-sealed"
        unopenable_users = []
        for kind, counts in report.items():
            self.stdout.write(
                f"{LABELS[kind]}: {counts.resealed} {verb}, {counts.current} already current, "
                f"{counts.unopenable} unopenable."
            )
            unopenable_users += counts.unopenable_user_ids
        legacy = recovery_sets_without_sealed_key()
        if legacy:
            self.stdout.write(
                f"Recovery-code sets made before per-set keys: {legacy}. They cannot be re-sealed and stop working "
                "when the key they were made under leaves SECRET_KEY_FALLBACKS; ask these users to generate new codes."
            )
        if not unopenable_users:
            return
        if verbosity >= 2:
            for email in User.objects.filter(pk__in=unopenable_users).order_by("email").values_list("email", flat=True):
                self.stdout.write(f"  unopenable: {email}")
        raise CommandError(
            f"{len(unopenable_users)} secret(s) cannot be opened with SECRET_KEY or SECRET_KEY_FALLBACKS. Put the "
            "key they were sealed under back into SECRET_KEY_FALLBACKS and run this again, or have the helpdesk "
            "reset two-step verification for those users (-v 2 lists them).",
            returncode=1,
        )
