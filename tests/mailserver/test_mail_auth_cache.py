"""Dovecot's auth cache turned on (PORTAL_DOVECOT_AUTH_CACHE_FLUSH): the portal flushes the user's entries
after every change, locally through ``doveadm auth cache flush`` or remotely through the doveadm HTTP API, on
Dovecot 2.3 and 2.4. A failed flush is logged and retried and never undoes the change."""

import logging
import time

import pytest

from accounts.services.passwords import password_set
from security.app_passwords.models import AppPassword
from security.app_passwords.services import app_password_revoke, app_passwords_revoke_all
from security.client import SYSTEM
from security.helpdesk.services import helpdesk_action_perform
from tests.factories import PASSWORD, UserFactory
from tests.servers.dovecot import VERSIONS

pytestmark = [pytest.mark.mailserver, pytest.mark.django_db(transaction=True)]


@pytest.fixture(params=[(v, m) for v, m in [("2.3", "doveadm"), ("2.3", "http"), ("2.4", "doveadm")] if v in VERSIONS],
                ids="-".join)
def flushing(request, cached_servers, transactional_db, settings):
    """The portal configured to flush a cache-on Dovecot: through its doveadm command, or its HTTP API (2.3
    only: Dovecot 2.4.1's doveadm crashes on authCacheFlush, test_dovecot_24_http_api_flush_fails_safely)."""
    from security.app_passwords.services import mail_site_options_sync

    version, mode = request.param
    cached = cached_servers(version)
    mail_site_options_sync()
    if mode == "doveadm":
        settings.PORTAL_DOVECOT_AUTH_CACHE_FLUSH = "doveadm"
        settings.PORTAL_DOVECOT_DOVEADM = cached.doveadm_command
    else:
        settings.PORTAL_DOVECOT_AUTH_CACHE_FLUSH = cached.flush_url
        settings.PORTAL_DOVECOT_DOVEADM_API_KEY = cached.api_key
    settings.PORTAL_DOVECOT_FLUSH_RETRY_DELAYS = [0.2]
    return cached


def test_the_cache_is_on_and_without_flushing_a_revoked_password_still_works(cached, make_app_password, settings):
    """What the flushing is for: this is the failure it prevents."""
    settings.PORTAL_DOVECOT_AUTH_CACHE_FLUSH = ""
    user = UserFactory()
    created = make_app_password(user, scope="all")
    assert cached.auth_test(user.email, created.secret)
    assert not cached.auth_test(user.email, created.secret + "x")  # the cache never makes a wrong one work
    app_password_revoke(user=user, app_password_id=created.app_password.pk, actor=user, client=SYSTEM)
    assert cached.auth_test(user.email, created.secret)  # served from the cache
    assert cached.doveadm("auth", "cache", "flush", user.email).returncode == 0
    assert not cached.auth_test(user.email, created.secret)


def test_a_new_app_password_works_at_once(flushing, make_app_password):
    user = UserFactory()
    first = make_app_password(user, scope="all", name="a")
    assert flushing.auth_test(user.email, first.secret)
    second = make_app_password(user, scope="all", name="b")
    assert flushing.auth_test(user.email, second.secret)


def test_revoke_one_and_all(flushing, make_app_password):
    user = UserFactory()
    one, two = make_app_password(user, scope="all", name="a"), make_app_password(user, scope="all", name="b")
    assert flushing.auth_test(user.email, one.secret) and flushing.auth_test(user.email, two.secret)
    app_password_revoke(user=user, app_password_id=one.app_password.pk, actor=user, client=SYSTEM)
    assert not flushing.auth_test(user.email, one.secret)
    assert flushing.auth_test(user.email, two.secret)
    app_passwords_revoke_all(user=user, actor=user, client=SYSTEM)
    assert not flushing.auth_test(user.email, two.secret)


def test_password_change_two_step_helpdesk_and_disable(flushing, make_app_password):
    user = UserFactory()
    assert flushing.auth_test(user.email, PASSWORD, service="imap")
    password_set(user=user, new_password="Another-Long-Passphrase-42", actor=user, client=SYSTEM)
    assert not flushing.auth_test(user.email, PASSWORD, service="imap")
    assert flushing.auth_test(user.email, "Another-Long-Passphrase-42", service="imap")
    user.refresh_from_db()
    user.two_step_enabled = True
    user.save(update_fields=["two_step_enabled"])
    assert not flushing.auth_test(user.email, "Another-Long-Passphrase-42", service="imap")
    phone = make_app_password(user, scope="all")
    assert flushing.auth_test(user.email, phone.secret, service="imap")
    staff = UserFactory(is_staff=True, is_superuser=True)
    helpdesk_action_perform(
        action_name="revoke_app_passwords", staff=staff, user_ids=[user.pk], reason="lost phone", client=SYSTEM
    )
    assert not flushing.auth_test(user.email, phone.secret, service="imap")
    user.refresh_from_db()
    user.two_step_enabled = False
    user.save(update_fields=["two_step_enabled"])
    assert flushing.auth_test(user.email, "Another-Long-Passphrase-42", service="imap")
    helpdesk_action_perform(
        action_name="disable_account", staff=staff, user_ids=[user.pk], reason="abuse", client=SYSTEM
    )
    assert not flushing.auth_test(user.email, "Another-Long-Passphrase-42", service="imap")


def test_a_failed_flush_is_logged_retried_and_keeps_the_change(cached, make_app_password, settings, tmp_path, caplog):
    """doveadm fails while Dovecot is "down" (a marker file): the revoke stands, the flush is retried and
    works once Dovecot is back."""
    down = tmp_path / "down"
    down.touch()
    script = tmp_path / "doveadm-flaky"
    script.write_text(
        f'#!/bin/sh\nif [ -e {down} ]; then echo "doveadm: connection refused" >&2; exit 75; fi\n'
        f'exec {cached.doveadm_command} "$@"\n'
    )
    script.chmod(0o755)
    settings.PORTAL_DOVECOT_AUTH_CACHE_FLUSH = "doveadm"
    settings.PORTAL_DOVECOT_DOVEADM = str(script)
    settings.PORTAL_DOVECOT_FLUSH_RETRY_DELAYS = [0.5] * 20
    user = UserFactory()
    created = make_app_password(user, scope="all")
    assert cached.auth_test(user.email, created.secret)
    with caplog.at_level(logging.INFO, logger="portal.mail.dovecot_cache"):
        app_password_revoke(user=user, app_password_id=created.app_password.pk, actor=user, client=SYSTEM)
        assert AppPassword.objects.get(pk=created.app_password.pk).revoked_at is not None
        assert cached.auth_test(user.email, created.secret)  # still cached: the flush failed
        down.unlink()
        deadline = time.monotonic() + 10
        while cached.auth_test(user.email, created.secret):
            assert time.monotonic() < deadline, "the retry never flushed"
            time.sleep(0.2)
    messages = " ".join(record.getMessage() for record in caplog.records)
    assert "failed, will retry" in messages and "worked on a retry" in messages


def test_dovecot_24_http_api_flush_fails_safely(cached_servers, transactional_db, make_app_password, settings, caplog):
    """Dovecot 2.4.1's doveadm HTTP API crashes on authCacheFlush (a Dovecot bug; the docs say to use the
    doveadm mode with 2.4). The portal logs the failure, retries, and the revoke still stands."""
    from security.app_passwords.services import mail_site_options_sync

    cached = cached_servers("2.4")
    mail_site_options_sync()
    settings.PORTAL_DOVECOT_AUTH_CACHE_FLUSH = cached.flush_url
    settings.PORTAL_DOVECOT_DOVEADM_API_KEY = cached.api_key
    settings.PORTAL_DOVECOT_FLUSH_RETRY_DELAYS = [0.1]
    user = UserFactory()
    created = make_app_password(user, scope="all")
    assert cached.auth_test(user.email, created.secret)
    with caplog.at_level(logging.INFO, logger="portal.mail.dovecot_cache"):
        app_password_revoke(user=user, app_password_id=created.app_password.pk, actor=user, client=SYSTEM)
        time.sleep(0.5)
    assert AppPassword.objects.get(pk=created.app_password.pk).revoked_at is not None
    messages = " ".join(record.getMessage() for record in caplog.records)
    assert "failed, will retry" in messages and "gave up" in messages
    assert cached.doveadm("auth", "cache", "flush", user.email).returncode == 0  # the local way works
    assert not cached.auth_test(user.email, created.secret)
