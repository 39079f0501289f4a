"""Flush Dovecot's auth cache for a user after every change the mail server must see at once.

Off unless ``PORTAL_DOVECOT_AUTH_CACHE_FLUSH`` is set (the generated config keeps the cache off then). With the
cache on, Dovecot keeps answering from its cache until the TTL runs out: a revoked app password went on working.
So, once the change has committed, the portal flushes the user's entries:

- ``doveadm``: runs ``PORTAL_DOVECOT_DOVEADM auth cache flush USER`` (a local Dovecot; the setting may carry
  ``-c FILE`` or a wrapper);
- ``http://HOST:PORT/doveadm/v1``: Dovecot's doveadm HTTP API, command ``authCacheFlush``, with
  ``PORTAL_DOVECOT_DOVEADM_API_KEY`` (a remote Dovecot).

What triggers it (signal receivers, so the services that make the changes need not know): a saved user whose
password, active flag, two-step state, e-mail or security stamp changed; a deleted user; a revoked app password
(one, or all of them at once); the site option that allows the main password. A failed flush is logged and
retried in the background (``PORTAL_DOVECOT_FLUSH_RETRY_DELAYS``); it never undoes the change, which has
committed already.
"""

import base64
import json
import logging
import shlex
import subprocess
import threading
import time
import urllib.error
import urllib.request

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from portal.conf import portal_settings

logger = logging.getLogger("portal.mail.dovecot_cache")

USER_FIELDS = {"password", "is_active", "two_step_enabled", "two_step_setup_required", "email", "security_stamp"}


def enabled() -> bool:
    return bool(portal_settings.dovecot_auth_cache_flush)


def flush(login: str | None) -> None:
    """One attempt; raises on failure. ``None`` flushes every user."""
    mode = portal_settings.dovecot_auth_cache_flush
    if mode.startswith(("http://", "https://")):
        _flush_http(mode, login)
    else:
        argv = [*shlex.split(portal_settings.dovecot_doveadm), "auth", "cache", "flush", *([login] if login else [])]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=15, check=False)  # noqa: S603
        if result.returncode:
            raise RuntimeError(f"doveadm exited with {result.returncode}: {result.stderr.strip()[:300]}")


def _flush_http(url: str, login: str | None) -> None:
    """``authCacheFlush`` over the doveadm HTTP API (Dovecot 2.3; 2.4.1's doveadm crashes on this command, so
    with 2.4 use the ``doveadm`` mode, through ssh for a remote server: docs/mail-server.md)."""
    reply = _doveadm_http(url, [["authCacheFlush", {"user": [login]} if login else {}, "portal"]])
    if not reply or reply[0][0] != "doveadmResponse":
        raise RuntimeError(f"doveadm HTTP API said {reply!r:.300}")


def _doveadm_http(url: str, commands: list) -> list:
    key = base64.b64encode(portal_settings.dovecot_doveadm_api_key.encode()).decode()
    request = urllib.request.Request(  # noqa: S310 - the deployer's own doveadm URL
        url,
        data=json.dumps(commands).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"X-Dovecot-API {key}"},
    )
    with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
        return json.loads(response.read() or b"[]")


def flush_with_retries(login: str | None) -> bool:
    """The first attempt now (so the next login after the request already sees the change); on failure the
    retries run in a background thread. Returns whether the first attempt worked."""
    try:
        flush(login)
        return True
    except Exception as error:
        logger.warning("Dovecot auth cache flush for %s failed, will retry: %s", login or "everyone", error)
    threading.Thread(target=_retry, args=(login,), name="dovecot-cache-flush", daemon=True).start()
    return False


def _retry(login: str | None) -> None:
    for delay in portal_settings.dovecot_flush_retry_delays:
        time.sleep(delay)
        try:
            flush(login)
            logger.info("Dovecot auth cache flush for %s worked on a retry", login or "everyone")
            return
        except Exception as error:
            logger.warning("Dovecot auth cache flush for %s failed again: %s", login or "everyone", error)
    logger.error(
        "Dovecot auth cache flush for %s gave up: cached logins stay valid until auth_cache_ttl",
        login or "everyone",
    )


def flush_on_commit(login: str | None) -> None:
    if not enabled():
        return
    login = login.lower() if login else None
    transaction.on_commit(lambda: flush_with_retries(login))


# --- receivers ---------------------------------------------------------------------------------------------------
def _user_saved(sender, instance, created, update_fields=None, **kwargs):
    if created or not enabled():
        return
    if update_fields is None or USER_FIELDS & set(update_fields):
        flush_on_commit(instance.email)


def _user_deleted(sender, instance, **kwargs):
    flush_on_commit(instance.email)


def _app_password_saved(sender, instance, created, update_fields=None, **kwargs):
    if created or not enabled() or instance.revoked_at is None:
        return
    if update_fields is None or "revoked_at" in update_fields:
        flush_on_commit(instance.user.email)


def _event_saved(sender, instance, created, **kwargs):
    from . import events

    # "Revoke all" is one UPDATE, which sends no post_save per app password; its audit event stands for it.
    if not (created and enabled()):
        return
    if instance.kind in (events.REVOKED_ALL, events.REVOKED_BY_PASSWORD_CHANGE) or instance.kind.startswith(
        "helpdesk."
    ):
        flush_on_commit(instance.user.email)


def _site_option_saved(sender, instance, **kwargs):
    flush_on_commit(None)


def connect() -> None:
    from django.contrib.auth import get_user_model

    from security.models import SecurityEvent

    from .models import AppPassword, MailSiteOption

    user = get_user_model()
    post_save.connect(_user_saved, sender=user, dispatch_uid="dovecot_cache_user_saved")
    post_delete.connect(_user_deleted, sender=user, dispatch_uid="dovecot_cache_user_deleted")
    post_save.connect(_app_password_saved, sender=AppPassword, dispatch_uid="dovecot_cache_app_password")
    post_save.connect(_event_saved, sender=SecurityEvent, dispatch_uid="dovecot_cache_event")
    post_save.connect(_site_option_saved, sender=MailSiteOption, dispatch_uid="dovecot_cache_site_option")
