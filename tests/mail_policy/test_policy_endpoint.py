"""The endpoint in-process: who may call it, bad input, and the answers (items 6, 26)."""

import json

import pytest
from django.core import mail

from security.app_passwords.models import AppPassword
from security.mail_policy.models import MailAccountUse
from security.models import SecurityEvent

from .conftest import login_body


def fail(policy, login, *, remote="203.0.113.7", pwhash="", protocol="smtp"):
    body = login_body(login, remote=remote, protocol=protocol, pwhash=pwhash, success=False, policy_reject=False)
    assert policy("report", body) == (200, {"status": 0, "msg": ""})


def succeed(policy, login, *, remote="203.0.113.7", protocol="smtp", credential_id=""):
    body = login_body(login, remote=remote, protocol=protocol, success=True, policy_reject=False)
    body["credential_id"] = credential_id
    assert policy("report", body)[0] == 200


def allow(policy, login, remote="203.0.113.7"):
    status, reply = policy("allow", login_body(login, remote=remote))
    assert status == 200
    return reply


def test_a_fresh_account_is_allowed(policy, user):
    assert allow(policy, user.email) == {"status": 0, "msg": ""}


@pytest.mark.parametrize("secret", [None, "", "policy-test-secret-012345678", "policy-test-secret-0123456789x"])
def test_wrong_or_missing_secret_is_401_and_changes_nothing(policy, user, secret):
    body = login_body(user.email, success=False, policy_reject=False)
    for _ in range(40):
        assert policy("report", body, secret=secret)[0] == 401
    assert allow(policy, user.email)["status"] == 0


def test_only_configured_addresses(policy, user, settings):
    assert policy("allow", login_body(user.email), remote_addr="198.51.100.1")[0] == 403
    settings.PORTAL_MAIL_POLICY_ALLOWED_IPS = ["198.51.100.0/24"]
    assert policy("allow", login_body(user.email), remote_addr="198.51.100.1")[0] == 200
    assert policy("allow", login_body(user.email), remote_addr="127.0.0.1")[0] == 403


def test_disabled_without_a_secret(policy, user, settings):
    settings.PORTAL_MAIL_POLICY_SECRET = ""
    assert policy("allow", login_body(user.email), secret="")[0] == 404


def test_no_session_cookie_or_csrf(policy, user, client, settings):
    settings.PORTAL_MAIL_POLICY_SECRET = "s3cret"
    response = client.post(
        "/mail-policy/?command=allow",
        data=json.dumps(login_body(user.email)),
        content_type="application/json",
        HTTP_X_PORTAL_POLICY_KEY="s3cret",
    )
    assert response.status_code == 200 and not response.cookies
    assert "Vary" not in response or "Cookie" not in response["Vary"]


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"[]",
        b'"text"',
        b"{}",
        b'{"remote": "203.0.113.7"}',
        b'{"login": 5, "remote": "203.0.113.7"}',
        b'{"login": "a@example.com", "remote": "not-an-ip"}',
        b'{"login": "a@example.com", "remote": "203.0.113.7", "credential_id": ["1"]}',
        b'{"login": "\xff\xfe@example.com", "remote": "203.0.113.7"}',
        b'{"login": "\\udcff@example.com", "remote": "203.0.113.7"}',
        b'{"login": "a\\u0000@example.com", "remote": "203.0.113.7"}',
        b'{"login": "a@example.com", "remote": "fe80::1%eth0"}',
        b'{"login": "a@example.com", "remote": "203.0.113.7", "credential_id": "99999999999999999999999"}',
        b'{"login": "a@example.com", "remote": "203.0.113.7", "credential_id": "\xd9\xa1"}',
        b"",
    ],
)
def test_bad_input_is_4xx_never_an_allow(policy, raw):
    status, reply = policy("allow", None, raw=raw)
    assert 400 <= status < 500 and reply["status"] < 0


def test_a_1mb_body_is_413(policy):
    status, reply = policy("report", None, raw=b'{"login": "' + b"a" * (1024 * 1024) + b'"}')
    assert status == 413 and reply["status"] < 0


def test_unknown_command_and_get(policy, user, client):
    assert policy("delete", login_body(user.email))[0] == 400
    response = client.get("/mail-policy/?command=allow", HTTP_X_PORTAL_POLICY_KEY="policy-test-secret-0123456789")
    assert response.status_code == 405


def test_unknown_user_and_unknown_credential_get_well_formed_replies(policy, user, make_app_password):
    assert allow(policy, "nobody@example.com") == {"status": 0, "msg": ""}
    succeed(policy, "nobody@example.com", credential_id="99999")
    other = make_app_password(user)
    succeed(policy, "nobody@example.com", credential_id=str(other.app_password.pk))  # not theirs
    body = login_body(user.email, success=True, policy_reject=False, credential_id="12abc")
    assert policy("report", body)[0] == 400
    other.app_password.refresh_from_db()
    assert other.app_password.last_used_at is None


def test_success_records_last_used_on_that_app_password_only(policy, user, make_app_password):
    a = make_app_password(user, name="Phone").app_password
    b = make_app_password(user, name="Laptop").app_password
    succeed(policy, user.email.upper(), protocol="submission", credential_id=str(a.pk))
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.last_used_ip, a.last_used_protocol) == ("203.0.113.7", "smtp") and a.last_used_at
    assert b.last_used_at is None
    assert not MailAccountUse.objects.filter(user=user, last_used_at__isnull=False).exists()
    assert not SecurityEvent.objects.filter(user=user, kind__startswith="mail.").exists()


def test_main_password_success_records_on_the_account(policy, user):
    succeed(policy, user.email, protocol="imap", remote="2001:db8::5")
    use = MailAccountUse.objects.get(user=user)
    assert (use.last_used_ip, use.last_used_protocol) == ("2001:db8::5", "imap")


def test_last_used_is_written_at_most_once_a_minute(
    policy, user, make_app_password, cache_backend, django_assert_max_num_queries
):
    a = make_app_password(user).app_password
    succeed(policy, user.email, credential_id=str(a.pk))
    with django_assert_max_num_queries(0):
        for _ in range(20):
            succeed(policy, user.email, credential_id=str(a.pk))
    first = AppPassword.objects.get(pk=a.pk).last_used_at
    assert first is not None


def test_failures_escalate_from_tarpit_to_reject_and_a_success_resets(policy, user, settings, cache_backend):
    settings.PORTAL_MAIL_POLICY_TARPIT_AFTER = 3
    settings.PORTAL_MAIL_POLICY_REJECT_AFTER = 6
    for n in range(3):
        fail(policy, user.email, remote=f"198.51.100.{n}", pwhash=f"h{n}")
    assert allow(policy, user.email, remote="192.0.2.1") == {"status": 1, "msg": ""}  # another IP: per account
    fail(policy, user.email, pwhash="h3")
    assert allow(policy, user.email)["status"] == 2
    for n in range(4, 6):
        fail(policy, user.email, pwhash=f"h{n}")
    reply = allow(policy, user.email)
    assert reply["status"] < 0 and reply["msg"].isascii() and reply["msg"]
    succeed(policy, user.email)
    assert allow(policy, user.email)["status"] == 0


def test_per_ip_across_accounts(policy, db, settings, cache_backend):
    settings.PORTAL_MAIL_POLICY_IP_REJECT_AFTER = 5
    for n in range(5):
        fail(policy, f"victim{n}@example.com", remote="198.51.100.66")
    assert allow(policy, "someone@example.com", remote="198.51.100.66")["status"] < 0
    assert allow(policy, "someone@example.com", remote="198.51.100.67")["status"] == 0


def test_the_same_wrong_password_counts_once(policy, user, settings, cache_backend):
    """The forgotten phone: the old app password, over and over, from changing IPs."""
    settings.PORTAL_MAIL_POLICY_TARPIT_AFTER = 3
    for n in range(200):
        fail(policy, user.email, remote=f"10.0.{n // 200}.{n % 200}", pwhash="a1b2")
    assert allow(policy, user.email) == {"status": 0, "msg": ""}


def test_lock_at_100_consecutive_failures_until_helpdesk(
    policy, user, settings, cache_backend, django_capture_on_commit_callbacks
):
    settings.PORTAL_MAIL_POLICY_REJECT_AFTER = 10_000
    settings.PORTAL_MAIL_POLICY_IP_REJECT_AFTER = 10_000
    settings.PORTAL_MAIL_POLICY_LOCK_FAILURES = 500  # capped at 100
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(99):
            fail(policy, user.email, remote=f"198.51.{n % 7}.{n}", pwhash=f"{n:x}")
        assert allow(policy, user.email)["status"] >= 0
        fail(policy, user.email, pwhash="last")
    reply = allow(policy, user.email)
    assert reply["status"] < 0 and "locked" in reply["msg"]
    assert MailAccountUse.objects.get(user=user).locked_at is not None
    assert SecurityEvent.objects.filter(user=user, kind="mail.locked").count() == 1
    assert any(user.email in m.to for m in mail.outbox)
    # The cache can be lost (a Redis restart): the lock is in the database too.
    cache_backend()  # lose the cache
    assert allow(policy, user.email)["status"] < 0
    # A right password (Dovecot reports success when it was asked before) does not lift the lock.
    succeed(policy, user.email)
    assert allow(policy, user.email)["status"] < 0


def test_a_rejected_attempt_is_not_counted(policy, user, settings):
    settings.PORTAL_MAIL_POLICY_TARPIT_AFTER = 1
    body = login_body(user.email, success=False, policy_reject=True)
    for _ in range(5):
        policy("report", body)
    assert allow(policy, user.email)["status"] == 0


def test_new_network_for_an_app_password_raises_an_event(
    policy, user, make_app_password, django_capture_on_commit_callbacks
):
    a = make_app_password(user, name="Phone").app_password
    with django_capture_on_commit_callbacks(execute=True):
        succeed(policy, user.email, remote="203.0.113.7", credential_id=str(a.pk))  # first use: no alert
        succeed(policy, user.email, remote="203.0.200.9", credential_id=str(a.pk))  # same /16
        assert not SecurityEvent.objects.filter(kind="mail.app_password_new_network").exists()
        succeed(policy, user.email, remote="198.51.100.4", credential_id=str(a.pk))
        succeed(policy, user.email, remote="198.51.100.5", credential_id=str(a.pk))
    events = SecurityEvent.objects.filter(user=user, kind="mail.app_password_new_network")
    assert events.count() == 1 and events.get().details["network"] == "198.51.0.0/16"
    assert len(mail.outbox) == 1
    a.refresh_from_db()
    assert a.last_used_ip == "203.0.113.7" or a.last_used_ip.startswith("198.51.100.")


def test_ipv6_networks_are_48s(policy, user, make_app_password):
    a = make_app_password(user).app_password
    succeed(policy, user.email, remote="2001:db8:1:2::1", credential_id=str(a.pk))
    succeed(policy, user.email, remote="2001:db8:1:ffff::1", credential_id=str(a.pk))
    assert not SecurityEvent.objects.filter(kind="mail.app_password_new_network").exists()
    succeed(policy, user.email, remote="2001:db8:2::1", credential_id=str(a.pk))
    assert SecurityEvent.objects.filter(kind="mail.app_password_new_network").count() == 1


def test_a_burst_of_failures_raises_one_event(policy, user, settings, django_capture_on_commit_callbacks):
    settings.PORTAL_MAIL_POLICY_REJECT_AFTER = 5
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(12):
            fail(policy, user.email, pwhash=f"{n}")
    assert SecurityEvent.objects.filter(user=user, kind="mail.failure_burst").count() == 1


def test_system_checks_catch_unsafe_settings(settings):
    from security.mail_policy.checks import policy_settings_check

    settings.PORTAL_MAIL_POLICY_SECRET = "short"
    settings.PORTAL_MAIL_POLICY_HASH_NONCE = ""
    settings.PORTAL_MAIL_POLICY_ALLOWED_IPS = ["127.0.0.1/32", "localhost"]
    settings.PORTAL_MAIL_POLICY_LOCK_FAILURES = 500
    ids = {problem.id for problem in policy_settings_check()}
    assert ids == {"mail_policy.E001", "mail_policy.E002", "mail_policy.E003", "mail_policy.W001"}
    settings.PORTAL_MAIL_POLICY_SECRET = "a-long-enough-secret"
    settings.PORTAL_MAIL_POLICY_HASH_NONCE = "n"
    settings.PORTAL_MAIL_POLICY_ALLOWED_IPS = ["127.0.0.1/32", "::1"]
    settings.PORTAL_MAIL_POLICY_LOCK_FAILURES = 100
    assert policy_settings_check() == []


def test_parallel_failures_are_all_counted(db, cache_backend):
    from concurrent.futures import ThreadPoolExecutor

    from security.mail_policy import throttle

    def one(n):
        throttle.failure_record(login="target@example.com", ip=f"198.51.100.{n % 50}", pwhash=f"{n:x}")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(200)))
    counts = throttle.counts(login="target@example.com", ip="198.51.100.1")
    assert counts.consecutive == 200 and round(counts.account) >= 200 * 0.5 and counts.ip >= 2


def test_the_path_without_its_slash_is_the_endpoint_too(policy, user, client):
    response = client.post(
        "/mail-policy?command=allow",
        data=json.dumps(login_body(user.email)),
        content_type="application/json",
        HTTP_X_PORTAL_POLICY_KEY="policy-test-secret-0123456789",
    )
    assert response.status_code == 200 and json.loads(response.content) == {"status": 0, "msg": ""}
