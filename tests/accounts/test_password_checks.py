"""Items 6, 7: every check of the account password goes through one throttled, audited service.

A signed-in session is not a password oracle: ``/account/password/``, ``/confirm/`` and turning two-step off share
sign-in's per-account counter, its growing delays and django-axes' hard lock, and every wrong password is recorded.
"""

import re
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.test import Client, override_settings

from accounts import events
from accounts.models import User
from security.models import SecurityEvent
from tests.factories import PASSWORD, UserFactory
from tests.two_factor.otp import code_at, current_step, sign_in_with_password

ROOT = Path(__file__).resolve().parents[2]
WAIT_EN = "Too many failed attempts. Wait 1 second and try again."
WAIT_ZH = "失败次数过多。请等待 1 秒后再试。"


def _signed_in(user) -> Client:
    client = Client()
    assert client.post("/account/sign-in/", {"username": user.email, "password": PASSWORD}).status_code == 302
    return client


def _two_step_signed_in(user) -> Client:
    from security.client import SYSTEM
    from security.two_factor.services import authenticator_enroll
    from tests.two_factor.otp import FIXED_KEY

    authenticator_enroll(user=user, secret=FIXED_KEY, code=code_at(current_step() - 1), client=SYSTEM)
    client = Client()
    sign_in_with_password(client, user)
    assert client.post("/two-step/verify/", {"method": "totp", "code": code_at(current_step())}).status_code == 302
    return client


# where the password is asked -> (sign the user in, send one password). Not named "page": that is Playwright's.
PAGES = {
    "password_change": (
        _signed_in,
        lambda client, password, **kw: client.post(
            "/account/password/",
            {
                "current_password": password,
                "new_password": "Seven-Purple-Kites",
                "new_password_again": "Seven-Purple-Kites",
            },
            **kw,
        ),
    ),
    "reauth": (
        _signed_in,
        lambda client, password, **kw: client.post("/confirm/", {"password": password, "next": "/"}, **kw),
    ),
    "two_step_disable": (
        _two_step_signed_in,
        lambda client, password, **kw: client.post("/two-step/disable/", {"password": password}, **kw),
    ),
}


@pytest.mark.parametrize("where", PAGES)
def test_wrong_passwords_share_the_sign_in_throttle_and_are_recorded(where, clock, db):
    user = UserFactory(email=f"{where}@example.com")
    sign_in, send = PAGES[where]
    client = sign_in(user)
    for _ in range(3):
        assert send(client, "not-my-password").status_code == 400
    # Even the right password now waits, with sign-in's own translated sentence, and nothing is changed.
    waiting = send(client, PASSWORD, HTTP_ACCEPT_LANGUAGE="en")
    assert waiting.status_code == 429
    assert WAIT_EN in waiting.content.decode()
    assert WAIT_ZH in send(client, PASSWORD, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD) and (where != "two_step_disable" or user.two_step_enabled)
    # The same counter as sign-in: from another browser and IP, the account waits too.
    other = Client().post("/account/sign-in/", {"username": user.email, "password": PASSWORD}, REMOTE_ADDR="192.0.2.99")
    assert other.status_code == 429
    failed = SecurityEvent.objects.filter(user=user, kind=events.PASSWORD_CONFIRM_FAILED)
    assert failed.count() == 3
    assert {event.details["purpose"] for event in failed} == {where}
    assert AccessAttempt.objects.get(username=user.email).failures_since_start == 3
    # After the wait, the right password works and starts the count again.
    clock.shift(1)
    assert send(client, PASSWORD).status_code == 302


@override_settings(PORTAL_LOGIN_FREE_FAILURES_PER_ACCOUNT=1000, PORTAL_LOGIN_FREE_FAILURES_PER_IP=1000)
def test_a_stolen_session_runs_into_the_hard_lock(client_signed_in, user):
    for _ in range(100):
        client_signed_in.post("/confirm/", {"password": "guess", "next": "/"})
    locked = client_signed_in.post("/confirm/", {"password": PASSWORD, "next": "/"})
    assert locked.status_code == 429
    assert "/confirm/" not in locked.get("Location", "")
    # The lock is the account's: sign-in is locked too, until helpdesk clears it.
    assert Client().post("/account/sign-in/", {"username": user.email, "password": PASSWORD}).status_code == 429
    assert SecurityEvent.objects.filter(user=user, kind=events.PASSWORD_CONFIRM_FAILED).count() == 100


def test_a_right_password_while_signed_in_resets_the_count(client_signed_in, user, clock):
    for _ in range(2):
        client_signed_in.post("/confirm/", {"password": "guess", "next": "/"})
    assert client_signed_in.post("/confirm/", {"password": PASSWORD, "next": "/"}).status_code == 302
    assert not AccessAttempt.objects.filter(username=user.email).exists()
    statuses = [client_signed_in.post("/confirm/", {"password": "guess", "next": "/"}).status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]


# --- One caller ------------------------------------------------------------------------------------------
SERVICE = "accounts/services/passwords.py"
CHECKS = re.compile(r"\bcheck_password\s*\(|\bauthenticate\s*\(|\bModelBackend\s*\(\s*\)\s*\.")


def _project_sources():
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", "tests/", "bench/")) or "/migrations/" in relative:
            continue
        yield relative, path.read_text(encoding="utf-8")


def test_only_the_password_service_checks_the_account_password():
    offenders = [
        f"{relative}:{number}"
        for relative, text in _project_sources()
        if relative != SERVICE
        for number, line in enumerate(text.splitlines(), 1)
        if CHECKS.search(line)
    ]
    assert offenders == []
    assert CHECKS.search(Path(ROOT, SERVICE).read_text())  # the scan does find the one real caller


def test_inactive_and_unknown_accounts_are_refused_and_counted_alike(client, db):
    UserFactory(email="gone@example.com", is_active=False)
    for address in ("gone@example.com", "ghost@example.com"):
        for _ in range(3):
            assert client.post("/account/sign-in/", {"username": address, "password": PASSWORD}).status_code == 400
        assert client.post("/account/sign-in/", {"username": address, "password": PASSWORD}).status_code == 429
    assert User.objects.get(email="gone@example.com").last_login is None
