"""Prints the DNS records that make mail apps find this deployment's servers (docs/mail-clients.md)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from security.mail_clients.servers import dns_records, mail_domains


class Command(BaseCommand):
    help = "Print zone-file lines (autoconfig, autodiscover, RFC 6186 SRV) for each PORTAL_MAIL_DOMAINS domain."

    def add_arguments(self, parser):
        parser.add_argument(
            "--portal-host",
            help="Host name the portal is served at (default: the first ALLOWED_HOSTS entry that is a name).",
        )

    def handle(self, *args, portal_host=None, **options):
        portal_host = portal_host or next(
            (h for h in settings.ALLOWED_HOSTS if h not in ("*", "localhost") and not h[:1].isdigit()), ""
        )
        if not portal_host:
            raise CommandError("Give --portal-host: ALLOWED_HOSTS names no host.")
        if not mail_domains():
            raise CommandError("PORTAL_MAIL_DOMAINS is empty.")
        for domain in mail_domains():
            self.stdout.write(f"; {domain}")
            for line in dns_records(domain=domain, portal_host=portal_host.lstrip(".")):
                self.stdout.write(line)
