"""System checks for the policy server's settings (run at start and by ``manage.py check``)."""

import ipaddress

from django.conf import settings
from django.core.checks import Error, Warning


def policy_settings_check(app_configs=None, **kwargs):
    problems = []
    secret = settings.PORTAL_MAIL_POLICY_SECRET
    if secret and len(secret) < 16:
        problems.append(Error("PORTAL_MAIL_POLICY_SECRET is shorter than 16 characters.", id="mail_policy.E001"))
    if secret and not settings.PORTAL_MAIL_POLICY_HASH_NONCE:
        problems.append(
            Error(
                "PORTAL_MAIL_POLICY_HASH_NONCE must be set with the secret (Dovecot needs it).", id="mail_policy.E002"
            )
        )
    for network in settings.PORTAL_MAIL_POLICY_ALLOWED_IPS:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            problems.append(
                Error(f"PORTAL_MAIL_POLICY_ALLOWED_IPS: {network!r} is not a network.", id="mail_policy.E003")
            )
    if settings.PORTAL_MAIL_POLICY_LOCK_FAILURES > 100:
        problems.append(
            Warning(
                "PORTAL_MAIL_POLICY_LOCK_FAILURES is above 100; the lock still comes at 100.", id="mail_policy.W001"
            )
        )
    return problems
