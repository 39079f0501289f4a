"""System checks for the policy server's settings (run at start and by ``manage.py check``)."""

import ipaddress

from django.core.checks import Error, Warning

from portal.conf import portal_settings


def policy_settings_check(app_configs=None, **kwargs):
    problems = []
    secret = portal_settings.mail_policy_secret
    if secret and len(secret) < 16:
        problems.append(Error("PORTAL_MAIL_POLICY_SECRET is shorter than 16 characters.", id="mail_policy.E001"))
    if secret and not portal_settings.mail_policy_hash_nonce:
        problems.append(
            Error(
                "PORTAL_MAIL_POLICY_HASH_NONCE must be set with the secret (Dovecot needs it).", id="mail_policy.E002"
            )
        )
    for network in portal_settings.mail_policy_allowed_ips:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            problems.append(
                Error(f"PORTAL_MAIL_POLICY_ALLOWED_IPS: {network!r} is not a network.", id="mail_policy.E003")
            )
    if portal_settings.mail_policy_lock_failures > 100:
        problems.append(
            Warning(
                "PORTAL_MAIL_POLICY_LOCK_FAILURES is above 100; the lock still comes at 100.", id="mail_policy.W001"
            )
        )
    return problems
