"""Retries security e-mails that could not be sent. Run it from cron every few minutes."""

from django.core.management.base import BaseCommand

from security.notifications import notifications_retry_pending


class Command(BaseCommand):
    help = "Send security notification e-mails that failed earlier (e.g. while the mail server was down)."

    def handle(self, *args, **options):
        sent, pending = notifications_retry_pending()
        self.stdout.write(f"sent {sent}, still pending {pending}")
