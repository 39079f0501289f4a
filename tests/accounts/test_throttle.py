import pytest
import time_machine
from django.test import override_settings

from tests.factories import PASSWORD, UserFactory
from tests.helpers import without_csrf

SIGN_IN = "/account/sign-in/"


@pytest.fixture
def alice(db):
    return UserFactory(email="alice@example.com")


def fail(client, address="alice@example.com", ip="198.51.100.1"):
    return client.post(SIGN_IN, {"username": address, "password": "wrong-password"}, REMOTE_ADDR=ip)


def test_delays_grow_per_account_across_ips(client, alice):
    with time_machine.travel("2026-03-01 12:00:00Z", tick=False) as clock:
        for n in range(3):  # the free failures
            assert fail(client, ip=f"198.51.100.{n}").status_code == 400
        # From a fourth IP, the account itself now asks for a wait, even with the right password.
        blocked = client.post(SIGN_IN, {"username": "alice@example.com", "password": PASSWORD}, REMOTE_ADDR="192.0.2.9")
        assert blocked.status_code == 429
        assert "1" in blocked.content.decode()
        clock.shift(1.1)
        assert fail(client, ip="198.51.100.7").status_code == 400  # 4th failure: next wait is 2 s
        clock.shift(1.1)
        assert client.post(SIGN_IN, {"username": "alice@example.com", "password": PASSWORD}).status_code == 429
        clock.shift(1.0)
        assert client.post(SIGN_IN, {"username": "alice@example.com", "password": PASSWORD}).status_code == 302


def test_success_resets_the_account_count(client, alice):
    with time_machine.travel("2026-03-01 12:00:00Z", tick=False) as clock:
        for _ in range(3):
            assert fail(client).status_code == 400
        clock.shift(1.0)  # exactly the one wait: the gate opens for one attempt, and the delay keeps running
        assert client.post(SIGN_IN, {"username": alice.email, "password": PASSWORD}).status_code == 302
        client.post("/account/sign-out/")
        # Without the reset this attempt would be the fifth in a row and wait 2 s; with it, counting starts at zero.
        assert [fail(client).status_code for _ in range(4)] == [400, 400, 400, 429]


def test_padding_the_address_gives_no_new_throttle_key(client, alice):
    """The form strips the address before signing in; the throttle must count the same address."""
    with time_machine.travel("2026-03-01 12:00:00Z", tick=False):
        for n in range(3):
            assert fail(client, address=" " * (245 - n) + "alice@example.com").status_code == 400
        assert fail(client, address=" " * 240 + "ALICE@example.com\t").status_code == 429
        padded_right = client.post(SIGN_IN, {"username": " " * 245 + "alice@example.com", "password": PASSWORD})
        assert padded_right.status_code == 429


def test_unknown_accounts_are_throttled_the_same_way(client, db):
    with time_machine.travel("2026-03-01 12:00:00Z", tick=False):
        for _ in range(3):
            fail(client, address="ghost@example.com")
        assert fail(client, address="ghost@example.com").status_code == 429


def test_per_ip_throttle_covers_spraying_many_accounts(client, db):
    with time_machine.travel("2026-03-01 12:00:00Z", tick=False):
        for n in range(20):
            assert fail(client, address=f"victim{n}@example.com", ip="203.0.113.50").status_code == 400
        assert fail(client, address="someone-new@example.com", ip="203.0.113.50").status_code == 429
        assert fail(client, address="someone-new@example.com", ip="203.0.113.51").status_code == 400


@override_settings(PORTAL_LOGIN_FREE_FAILURES_PER_ACCOUNT=1000, PORTAL_LOGIN_FREE_FAILURES_PER_IP=1000)
def test_hard_lock_after_100_failures_until_helpdesk_clears_it(client, alice):
    from axes.models import AccessAttempt

    from accounts.services.throttle import sign_in_lock_clear

    for n in range(100):
        fail(
            client,
            address="Alice@Example.com" if n % 2 else "alice@example.com",
            ip=f"10.0.{n // 250}.{n % 250}",
        )
    locked = client.post(SIGN_IN, {"username": "alice@example.com", "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.filter(username="alice@example.com").exists()

    sign_in_lock_clear(address=" Alice@Example.com")  # what the helpdesk's "clear lock" does
    assert client.post(SIGN_IN, {"username": "alice@example.com", "password": PASSWORD}).status_code == 302


@override_settings(PORTAL_LOGIN_FREE_FAILURES_PER_ACCOUNT=1000, PORTAL_LOGIN_FREE_FAILURES_PER_IP=1000)
def test_hard_lock_page_is_the_same_for_unknown_accounts(client, alice):
    for _ in range(100):
        fail(client, address="alice@example.com")
        fail(client, address="ghost@example.com")
    real = client.post(SIGN_IN, {"username": "alice@example.com", "password": "x"})
    ghost = client.post(SIGN_IN, {"username": "ghost@example.com", "password": "x"})
    assert real.status_code == ghost.status_code == 429
    assert without_csrf(real.content) == without_csrf(ghost.content)
