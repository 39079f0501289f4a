"""System checks for the hazards of a deployment, and the refusal to serve when a fatal one is present.

- ``portal.E001``: the Argon2id memory cost leaves Dovecot's auth worker no room. The worker that verifies the
  account password holds the whole cost, and past its ``vsz_limit`` (what ``mail_server_config`` writes) the
  allocation fails, which Dovecot reports as a wrong password: every mail sign-in with the account password would
  fail, silently. Measured with Dovecot 2.3 and ``vsz_limit = 256M``: 232 MiB verified, 236 MiB did not, so the
  worker's own address space is about 20-24 MiB; the check keeps ``AUTH_WORKER_OWN_MIB`` free. With
  ``PORTAL_MAIL_MAIN_PASSWORD_ALLOWED`` off, Dovecot never verifies the account password and the check is silent.
- ``portal.W001`` (``check --deploy``): the default cache is not Redis or Memcached. Sign-in throttles have a
  row-locked table of their own, but the SMS, recovery and mail sign-in quotas count with ``cache.incr``, which on
  Django's database cache is a read and then a write: two requests can both take the last unit. Per-process caches
  (local memory, files) give each worker its own quota.
- ``phone.E001`` (in ``security/phone/checks.py``): an SMS gateway that delivers nothing (console, test) while
  DEBUG is off.

gunicorn and other WSGI servers never run system checks, so ``portal/wsgi.py`` calls ``refuse_fatal_hazards()``:
the checks in ``FATAL_AT_START`` run when a worker loads the application, and any error among them that the
deployer has not silenced (``SILENCED_SYSTEM_CHECKS``, ``PORTAL_SILENCED_SYSTEM_CHECKS``) stops the worker with
one sentence. They read settings only (no database, no network), so they cost a worker's start nothing.
"""

from django.conf import settings
from django.core import checks
from django.core.cache import caches
from django.core.cache.backends.memcached import BaseMemcachedCache
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured

from portal.conf import portal_settings
from security.app_passwords.mail_server_config import AUTH_WORKER_VSZ_LIMIT_MIB
from security.phone.checks import sms_gateway_check

# What Dovecot's auth worker needs for itself beside the hash (measured 20-24 MiB; see above).
AUTH_WORKER_OWN_MIB = 32


@checks.register(checks.Tags.security)
def argon2_memory_check(app_configs=None, **kwargs):
    cost_kib = portal_settings.argon2_memory_cost_kib
    room_kib = (AUTH_WORKER_VSZ_LIMIT_MIB - AUTH_WORKER_OWN_MIB) * 1024
    if cost_kib <= room_kib or not portal_settings.mail_main_password_allowed:
        return []  # without the main password for mail, Dovecot never verifies an Argon2 hash
    return [
        checks.Error(
            f"PORTAL_ARGON2_MEMORY_COST_KIB={cost_kib} does not fit in Dovecot's auth worker "
            f"(vsz_limit = {AUTH_WORKER_VSZ_LIMIT_MIB}M, less {AUTH_WORKER_OWN_MIB} MiB kept for the worker itself): "
            "every mail sign-in with the account password would fail as a wrong password.",
            hint=f"Keep the memory cost at or below {room_kib} KiB (the default is 65536), or raise vsz_limit in "
            "security/app_passwords/mail_server_config.py and on the mail server together.",
            id="portal.E001",
        )
    ]


@checks.register(checks.Tags.caches, deploy=True)
def shared_cache_check(app_configs=None, **kwargs):
    if isinstance(caches["default"], RedisCache | BaseMemcachedCache):
        return []
    return [
        checks.Warning(
            f"The default cache is {type(caches['default']).__name__}, not Redis: SMS, recovery and mail sign-in "
            "quotas can be overrun by requests that race for the last unit.",
            hint="Set REDIS_URL (docs/deploy.md, \"Several web nodes\").",
            id="portal.W001",
        )
    ]


def refuse_fatal_hazards() -> None:
    """Raise ``ImproperlyConfigured`` with one sentence per fatal, unsilenced error (called by portal/wsgi.py)."""
    silenced = set(settings.SILENCED_SYSTEM_CHECKS)
    errors = [
        message
        for check in FATAL_AT_START
        for message in check()
        if message.is_serious() and message.id not in silenced
    ]
    if errors:
        reasons = "; ".join(f"{error.msg.rstrip('.')} ({error.id})" for error in errors)
        raise ImproperlyConfigured(f"The portal refuses to start: {reasons}.")


# Hazards that make a running portal fail its users silently; each is also a registered system check.
FATAL_AT_START = (sms_gateway_check, argon2_memory_check)
