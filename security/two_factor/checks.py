"""System check: sealed two-step secrets that the configured server keys cannot open (docs/security.md items 8, 19).

It needs a database, so it is tagged ``database`` and runs only when the caller names databases (``migrate``,
``manage.py check --database default``, the test runner); a plain ``manage.py check`` stays database-free. It reads
the recorded key ids with one grouped query per kind of secret, and decrypts nothing, so it is cheap at any size.
Before the migrations have run (the tables or columns are missing) it says nothing.
"""

from django.core import checks
from django.db import DatabaseError, router, transaction

from .models import AuthenticatorDevice
from .selectors import sealed_secrets_by_key

WHAT = {"authenticator": "authenticator app secret(s)", "recovery": "recovery-code set key(s)"}
LOST_IDS = {"authenticator": "two_factor.W001", "recovery": "two_factor.W002"}


@checks.register(checks.Tags.database)
def sealed_secrets_check(app_configs=None, databases=None, **kwargs):
    messages = []
    for alias in databases or ():
        if not router.allow_migrate_model(alias, AuthenticatorDevice):
            continue
        try:
            with transaction.atomic(using=alias):
                census = sealed_secrets_by_key(using=alias)
        except DatabaseError:
            continue  # not migrated yet
        for kind, counts in census.items():
            if counts["lost"]:
                messages.append(
                    checks.Warning(
                        f"{counts['lost']} {WHAT[kind]} in database '{alias}' cannot be opened with SECRET_KEY or "
                        "SECRET_KEY_FALLBACKS; those users are told the method is unavailable.",
                        hint="Put the key they were sealed under back into SECRET_KEY_FALLBACKS and run "
                        "`manage.py reseal_secrets`; if that key is lost, the helpdesk resets two-step verification "
                        "for them (`manage.py reseal_secrets -v 2` lists them).",
                        id=LOST_IDS[kind],
                    )
                )
            if counts["fallback"]:
                messages.append(
                    checks.Info(
                        f"{counts['fallback']} {WHAT[kind]} in database '{alias}' are sealed under a key in "
                        "SECRET_KEY_FALLBACKS.",
                        hint="Run `manage.py reseal_secrets` before you remove that key.",
                        id="two_factor.I001",
                    )
                )
    return messages
