"""The policy server with a real Dovecot, started from the stock config plus ``mail_server_config``'s files with
the policy settings on, asking the portal served by pytest-django's live server (items 6, 26)."""

import os
import shutil
import time

import pytest
from django.test.utils import override_settings

from security.app_passwords.models import AppPassword
from security.mail_policy.models import MailAccountUse
from tests.mailserver.test_mail_sessions import imap_login
from tests.servers.dovecot import VERSIONS
from tests.servers.process import free_port
from tests.servers.smtp_client import smtp_auth

from .conftest import SECRET

pytestmark = [pytest.mark.mailserver, pytest.mark.django_db(transaction=True)]

NONCE = "policy-nonce-for-tests"


@pytest.fixture(scope="session")
def policy_dovecots(django_db_setup, django_db_blocker, smtp_sink, live_server):
    """``policy_dovecots(version, url=None, secret=SECRET)``: a Dovecot deployed with the policy settings
    pointing at the live server (or at ``url``), one per combination per session."""
    from tests.servers.dovecot import dovecot_start

    started = {}

    def get(version, *, url=None, secret=SECRET):
        key = (version, url, secret)
        if key not in started:
            with (
                django_db_blocker.unblock(),
                override_settings(
                    PORTAL_MAIL_POLICY_URL=url or f"{live_server.url}/mail-policy/",
                    PORTAL_MAIL_POLICY_SECRET=secret,
                    PORTAL_MAIL_POLICY_HASH_NONCE=NONCE,
                ),
            ):
                started[key] = dovecot_start(relay_port=smtp_sink.port, version=version)
        return started[key]

    try:
        yield get
    finally:
        for server in started.values():
            server.__exit__(None, None, None)
            if not os.environ.get("PORTAL_KEEP_DOVECOT"):
                shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture
def portal_policy(settings, transactional_db):
    """The live server's side: the same secret, and small thresholds so tests stay short. Also the views'
    configuration rows, which an earlier transactional test's flush emptied."""
    from security.app_passwords.services import mail_site_options_sync

    mail_site_options_sync()
    settings.PORTAL_MAIL_POLICY_SECRET = SECRET
    settings.PORTAL_MAIL_POLICY_HASH_NONCE = NONCE
    settings.PORTAL_MAIL_POLICY_TARPIT_AFTER = 3
    settings.PORTAL_MAIL_POLICY_MAX_TARPIT_SECONDS = 1
    settings.PORTAL_MAIL_POLICY_REJECT_AFTER = 1000
    settings.PORTAL_MAIL_POLICY_IP_REJECT_AFTER = 1000
    settings.PORTAL_MAIL_POLICY_LOCK_FAILURES = 6
    return settings


@pytest.fixture(params=VERSIONS, ids=[f"dovecot{v}" for v in VERSIONS])
def deployed(request, policy_dovecots, portal_policy):
    return policy_dovecots(request.param)


def eventually(check, timeout=5.0):
    """Dovecot reports after it has answered the client: wait for the report to land."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the report did not arrive"
        time.sleep(0.05)


def auth_test(server, login, password, *, rip, service="smtp") -> bool:
    result = server.doveadm("auth", "test", "-x", f"service={service}", "-x", f"rip={rip}", login, password)
    assert result.returncode in (0, 77), result.stderr + server.log_text()[-3000:]
    return result.returncode == 0


def test_the_generated_config_carries_the_policy_settings(deployed):
    effective = deployed.check()
    # 2.3 prints auth_policy_server_url, 2.4 server_url inside an auth_policy block.
    assert "/mail-policy/" in effective and "credential_id" in effective
    generated = deployed.etc / "conf.d" / "98-portal-policy.conf"
    assert "auth_policy_reject_on_fail = no" in generated.read_text()  # the default, so doveconf -n omits it
    assert generated.stat().st_mode & 0o077 == 0  # it holds the secret


def test_smtp_with_a_sets_a_only_and_imap_with_b_sets_b(deployed, user, make_app_password):
    b_created = make_app_password(user, name="Laptop", scope="imap")
    a_created = make_app_password(user, name="Tablet", scope="smtp")
    assert smtp_auth(deployed.submission_port, user.email, a_created.secret) == 235
    eventually(lambda: AppPassword.objects.get(pk=a_created.app_password.pk).last_used_at)
    a_row, b_row = (AppPassword.objects.get(pk=x.app_password.pk) for x in (a_created, b_created))
    assert a_row.last_used_protocol == "smtp" and a_row.last_used_ip.startswith("127.") and a_row.last_used_at
    assert b_row.last_used_at is None
    assert imap_login(deployed, user.email, b_created.secret)
    eventually(lambda: AppPassword.objects.get(pk=b_row.pk).last_used_at)
    b_row.refresh_from_db()
    assert b_row.last_used_protocol == "imap" and b_row.last_used_at
    assert not MailAccountUse.objects.filter(user=user, last_used_at__isnull=False).exists()


def test_the_account_password_sets_the_account(deployed, user, password):
    assert auth_test(deployed, user.email, password, rip="203.0.113.7", service="imap")
    eventually(lambda: MailAccountUse.objects.filter(user=user).exists())
    use = MailAccountUse.objects.get(user=user)
    assert (use.last_used_ip, use.last_used_protocol) == ("203.0.113.7", "imap")


def test_failures_from_many_ips_lock_smtp_until_helpdesk_clears(deployed, user, make_app_password):
    from security.client import SYSTEM
    from security.helpdesk.services import HELPDESK_ACTIONS
    from tests.factories import UserFactory

    created = make_app_password(user)
    for n in range(6):
        assert not auth_test(deployed, user.email, f"wrong-{n}", rip=f"198.51.{n}.{n + 1}")
    from security.mail_policy.services import account_locked

    eventually(lambda: account_locked(login=user.email))
    assert not auth_test(deployed, user.email, created.secret, rip="192.0.2.10")
    assert smtp_auth(deployed.submission_port, user.email, created.secret) == 535
    staff = UserFactory(is_staff=True)
    HELPDESK_ACTIONS["clear_sign_in_lock"].run(user=user, staff=staff, client=SYSTEM, reason="Ticket #9")
    assert smtp_auth(deployed.submission_port, user.email, created.secret) == 235


def test_the_forgotten_phone_does_not_lock(deployed, user, make_app_password):
    old = make_app_password(user, name="Old phone")
    current = make_app_password(user, name="New phone")
    from security.app_passwords.services import app_password_revoke
    from security.client import SYSTEM

    app_password_revoke(user=user, app_password_id=old.app_password.pk, actor=user, client=SYSTEM)
    for n in range(15):
        assert not auth_test(deployed, user.email, old.secret, rip=f"10.20.{n}.1")
    from security.mail_policy import throttle
    from security.mail_policy.services import policy_allow

    eventually(lambda: throttle.counts(login=user.email, ip="-").consecutive == 1)
    time.sleep(0.5)  # any report still on its way
    assert throttle.counts(login=user.email, ip="-").consecutive == 1
    assert policy_allow(login=user.email, ip="192.0.2.1").status == 0
    assert auth_test(deployed, user.email, current.secret, rip="192.0.2.1")


@pytest.mark.parametrize("version", VERSIONS)
def test_wrong_api_secret_is_refused_and_changes_nothing(
    policy_dovecots, portal_policy, user, make_app_password, version
):
    server = policy_dovecots(version, secret="not-the-portal-secret")
    created = make_app_password(user)
    for n in range(8):
        assert not auth_test(server, user.email, f"wrong-{n}", rip=f"198.51.100.{n}")
    # Fail-open: the portal refused Dovecot (401), so Dovecot decided alone.
    assert auth_test(server, user.email, created.secret, rip="192.0.2.20")
    created.app_password.refresh_from_db()
    assert created.app_password.last_used_at is None
    from security.mail_policy.services import policy_allow

    assert policy_allow(login=user.email, ip="192.0.2.1").status == 0
    assert "401" in server.log_text() or "Unauthorized" in server.log_text()


@pytest.mark.parametrize("version", VERSIONS)
def test_portal_down_is_fail_open(policy_dovecots, portal_policy, user, make_app_password, version):
    server = policy_dovecots(version, url=f"http://127.0.0.1:{free_port()}/mail-policy/")
    created = make_app_password(user)
    assert auth_test(server, user.email, created.secret, rip="192.0.2.30")
    assert not auth_test(server, user.email, "wrong", rip="192.0.2.31")
