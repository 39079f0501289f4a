"""Items 21-25 through a real Dovecot (shipped config) and smtplib: 235 or 535 exactly as the portal
says."""

import pytest

from tests.factories import PASSWORD, UserFactory
from tests.servers.smtp_client import smtp_auth, smtp_send

pytestmark = [pytest.mark.mailserver, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_fresh_app_password_authenticates_and_mail_reaches_the_sink(
    dovecot, smtp_sink, make_app_password, mechanism
):
    user = UserFactory()
    created = make_app_password(user)
    assert smtp_auth(dovecot.submission_port, user.email, created.secret, mechanism=mechanism) == 235
    before = len(smtp_sink.messages)
    smtp_send(dovecot.submission_port, user.email, created.secret, to="friend@example.net", subject=mechanism)
    assert len(smtp_sink.messages) == before + 1
    assert f"Subject: {mechanism}".encode() in smtp_sink.messages[-1].data


def test_wrong_password_is_535(dovecot, make_app_password):
    user = UserFactory()
    created = make_app_password(user)
    assert (
        smtp_auth(
            dovecot.submission_port,
            user.email,
            created.secret[:-1] + "x" if created.secret[-1] != "x" else created.secret[:-1] + "y",
        )
        == 535
    )
    assert smtp_auth(dovecot.submission_port, user.email, "") in (535, 501)


def test_revoked_app_password_fails_on_the_next_attempt(dovecot, make_app_password):
    from security.app_passwords.services import app_password_revoke, app_passwords_revoke_all
    from security.client import SYSTEM

    user = UserFactory()
    first, second = make_app_password(user), make_app_password(user)
    assert smtp_auth(dovecot.submission_port, user.email, first.secret) == 235
    app_password_revoke(user=user, app_password_id=first.app_password.pk, actor=user, client=SYSTEM)
    assert smtp_auth(dovecot.submission_port, user.email, first.secret) == 535
    assert smtp_auth(dovecot.submission_port, user.email, second.secret) == 235
    app_passwords_revoke_all(user=user, actor=user, client=SYSTEM)
    assert smtp_auth(dovecot.submission_port, user.email, second.secret) == 535


def test_expired_app_password_fails_without_any_job(dovecot, make_app_password):
    """Expiry is evaluated by the view at query time, with the database's own clock."""
    from datetime import timedelta

    from django.utils import timezone

    from security.app_passwords.models import AppPassword

    user = UserFactory()
    soon = make_app_password(user, expires_at=timezone.now() + timedelta(hours=1))
    assert smtp_auth(dovecot.submission_port, user.email, soon.secret) == 235
    AppPassword.objects.filter(pk=soon.app_password.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert smtp_auth(dovecot.submission_port, user.email, soon.secret) == 535
    # An hour ahead in the database clock is still valid (catches a session time zone mix-up on MariaDB).
    AppPassword.objects.filter(pk=soon.app_password.pk).update(
        expires_at=timezone.now() + timedelta(minutes=5)
    )
    assert smtp_auth(dovecot.submission_port, user.email, soon.secret) == 235


def test_imap_only_app_password_is_refused_for_smtp(dovecot, make_app_password):
    user = UserFactory()
    reading = make_app_password(user, scope="imap")
    both = make_app_password(user, scope="all")
    assert smtp_auth(dovecot.submission_port, user.email, reading.secret) == 535
    assert smtp_auth(dovecot.submission_port, user.email, both.secret) == 235
    assert dovecot.auth_test(user.email, reading.secret, service="imap")
    assert dovecot.auth_test(user.email, reading.secret, service="pop3")
    assert not dovecot.auth_test(user.email, reading.secret, service="smtp")


def test_main_password_works_until_two_step_is_on(dovecot):
    user = UserFactory()
    assert smtp_auth(dovecot.submission_port, user.email, PASSWORD) == 235
    assert smtp_auth(dovecot.submission_port, user.email, PASSWORD, mechanism="LOGIN") == 235
    assert smtp_auth(dovecot.submission_port, user.email, PASSWORD + "!") == 535
    user.two_step_enabled = True
    user.save(update_fields=["two_step_enabled"])
    assert smtp_auth(dovecot.submission_port, user.email, PASSWORD) == 535


def test_site_option_turns_the_main_password_off_for_everyone(dovecot, settings):
    from security.app_passwords.services import mail_site_options_sync

    user = UserFactory()
    settings.PORTAL_MAIL_MAIN_PASSWORD_ALLOWED = False
    mail_site_options_sync()
    try:
        assert smtp_auth(dovecot.submission_port, user.email, PASSWORD) == 535
    finally:
        settings.PORTAL_MAIL_MAIN_PASSWORD_ALLOWED = True
        mail_site_options_sync()
    assert smtp_auth(dovecot.submission_port, user.email, PASSWORD) == 235


def test_inactive_user_gets_535_with_either_password(dovecot, make_app_password):
    user = UserFactory()
    created = make_app_password(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert smtp_auth(dovecot.submission_port, user.email, created.secret) == 535
    assert smtp_auth(dovecot.submission_port, user.email, PASSWORD) == 535


def test_another_users_app_password_does_not_open_this_account(dovecot, make_app_password):
    alice, bob = UserFactory(), UserFactory()
    bobs = make_app_password(bob)
    assert smtp_auth(dovecot.submission_port, alice.email, bobs.secret) == 535
    assert smtp_auth(dovecot.submission_port, bob.email, bobs.secret) == 235


def test_password_change_revokes_every_app_password(dovecot, make_app_password):
    from accounts.services.passwords import password_set
    from security.client import SYSTEM

    user = UserFactory()
    old = [make_app_password(user, scope=scope) for scope in ("smtp", "all", "smtp")]
    assert all(
        smtp_auth(dovecot.submission_port, user.email, o.secret) == 235
        for o in old
        if o.app_password.scope != "imap"
    )
    password_set(user=user, new_password="Another-Long-Passphrase-42", actor=user, client=SYSTEM)
    assert [smtp_auth(dovecot.submission_port, user.email, o.secret) for o in old] == [535, 535, 535]
    assert smtp_auth(dovecot.submission_port, user.email, "Another-Long-Passphrase-42") == 235


def test_password_change_keeps_app_passwords_when_the_site_says_so(dovecot, make_app_password, settings):
    from accounts.services.passwords import password_set
    from security.client import SYSTEM

    settings.PORTAL_APP_PASSWORDS_KEEP_ON_PASSWORD_CHANGE = True
    user = UserFactory()
    kept = make_app_password(user)
    password_set(user=user, new_password="Another-Long-Passphrase-42", actor=user, client=SYSTEM)
    assert smtp_auth(dovecot.submission_port, user.email, kept.secret) == 235


def test_login_in_odd_case_still_works(dovecot, make_app_password):
    user = UserFactory()
    created = make_app_password(user)
    assert smtp_auth(dovecot.submission_port, user.email.upper(), created.secret) == 235
    assert smtp_auth(dovecot.submission_port, user.email.title(), PASSWORD) == 235


@pytest.mark.parametrize(
    "login",
    [
        "{email} ",
        " {email}",
        "{local} @example.com",
        "{email}\x00",
        "{email}\x00admin",
        "{email}' OR '1'='1",
        "{email}%",
        "x" * 10_000 + "{email}",
    ],
    ids=["trailing-space", "leading-space", "inner-space", "nul", "nul-suffix", "sql", "percent", "10kB"],
)
def test_odd_usernames_get_a_clean_refusal(dovecot, make_app_password, login):
    user = UserFactory()
    created = make_app_password(user)
    login = login.format(email=user.email, local=user.email.split("@")[0])
    for secret in (created.secret, PASSWORD):
        code = smtp_auth(dovecot.submission_port, login, secret)
        # 535: no such credential. 501: Dovecot refuses a malformed AUTH (NUL in the name) before any lookup.
        # 500: the 10 kB AUTH line is longer than Dovecot reads ("line too long"). Never a 235, never a crash.
        assert code in (535, 501, 500), code
    # The server is still fine afterwards.
    assert smtp_auth(dovecot.submission_port, user.email, created.secret) == 235


def test_imap_and_pop3_lookups_follow_the_scope_and_two_step(dovecot, make_app_password):
    """Item 24 for IMAP and POP3: the same Dovecot passdbs, asked with service=imap/pop3 (doveadm auth
    test); real IMAP and POP3 sessions are in tests/mailserver/test_mail_sessions.py."""
    user = UserFactory()
    reading = make_app_password(user, scope="imap")
    sending = make_app_password(user, scope="smtp")
    for service in ("imap", "pop3"):
        assert dovecot.auth_test(user.email, reading.secret, service=service)
        assert not dovecot.auth_test(user.email, sending.secret, service=service)
        assert dovecot.auth_test(user.email, PASSWORD, service=service)
    user.two_step_enabled = True
    user.save(update_fields=["two_step_enabled"])
    for service in ("imap", "pop3"):
        assert not dovecot.auth_test(user.email, PASSWORD, service=service)
        assert dovecot.auth_test(user.email, reading.secret, service=service)


def test_main_password_with_the_production_argon2_cost_verifies_in_dovecot(dovecot, settings):
    """The default cost (64 MiB, t=2, p=2) must stay under the shipped auth-worker vsz_limit (256M); above it
    Dovecot fails the check silently as a mismatch."""
    from django.contrib.auth.hashers import make_password

    from portal.settings import base

    settings.PORTAL_ARGON2_TIME_COST = base.PORTAL_ARGON2_TIME_COST
    settings.PORTAL_ARGON2_MEMORY_COST_KIB = base.PORTAL_ARGON2_MEMORY_COST_KIB
    settings.PORTAL_ARGON2_PARALLELISM = base.PORTAL_ARGON2_PARALLELISM
    user = UserFactory()
    user.password = make_password(PASSWORD)
    user.save(update_fields=["password"])
    assert f"m={base.PORTAL_ARGON2_MEMORY_COST_KIB}," in user.password
    assert smtp_auth(dovecot.submission_port, user.email, PASSWORD) == 235
    assert smtp_auth(dovecot.submission_port, user.email, PASSWORD + "x") == 535
