"""Which mail services each app-password scope opens: the one definition (docs/mail-server.md).

The ``mail_app_passwords`` view joins the ``app_passwords_mailservice`` table (``MailService``) to turn one app
password into one row per service it opens. That table is filled from ``SCOPE_SERVICES`` only: by the migration
that created it, and after every ``migrate`` by ``mail_site_options_sync``, which also removes pairs no longer
listed here. So a change here reaches every database at its next ``migrate``. Plain strings, no Django imports:
migrations read it.

Postfix's SASL requests say ``smtp``, Dovecot's submission service says ``submission``; POP3 goes with IMAP.
"""

SCOPE_SERVICES: dict[str, tuple[str, ...]] = {
    "smtp": ("smtp", "submission"),
    "imap": ("imap", "pop3"),
    "all": ("smtp", "submission", "imap", "pop3"),
}


def scope_service_pairs() -> list[tuple[str, str]]:
    """(scope, service) for every row of ``MailService``, in a stable order."""
    return [(scope, service) for scope, services in SCOPE_SERVICES.items() for service in services]
