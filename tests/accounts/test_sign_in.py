import pytest
from django.urls import reverse

from accounts import events
from accounts.models import User
from security.models import SecurityEvent
from tests.factories import PASSWORD, UserFactory
from tests.helpers import without_csrf

SIGN_IN = "/account/sign-in/"


@pytest.fixture
def alice(db):
    return UserFactory(email="alice@example.com")


def test_address_is_case_insensitive(client, alice):
    response = client.post(SIGN_IN, {"username": "  Alice@Example.COM ", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("security:overview")
    assert int(client.session["_auth_user_id"]) == alice.pk


def test_manager_normalizes_new_addresses(db):
    user = User.objects.create_user("Bob@Example.com", PASSWORD)
    assert user.email == "bob@example.com"
    assert User.objects.get_by_natural_key("BOB@example.com") == user


def test_wrong_password_and_unknown_account_get_the_same_answer(client, alice):
    wrong = client.post(SIGN_IN, {"username": "alice@example.com", "password": "not-it-at-all"})
    unknown = client.post(SIGN_IN, {"username": "nobody@example.com", "password": "not-it-at-all"})
    assert wrong.status_code == unknown.status_code == 400
    wrong_page = without_csrf(wrong.content).replace("alice@example.com", "X")
    unknown_page = without_csrf(unknown.content).replace("nobody@example.com", "X")
    assert wrong_page == unknown_page
    assert "密码不正确" in wrong.content.decode() or "incorrect" in wrong.content.decode()


def test_password_is_not_stripped(client, db):
    UserFactory(email="space@example.com", password=" padded passphrase ")
    assert client.post(SIGN_IN, {"username": "space@example.com", "password": "padded passphrase"}).status_code == 400
    ok = client.post(SIGN_IN, {"username": "space@example.com", "password": " padded passphrase "})
    assert ok.status_code == 302


def test_inactive_account_is_refused_like_a_wrong_password(client, db):
    UserFactory(email="gone@example.com", is_active=False)
    response = client.post(SIGN_IN, {"username": "gone@example.com", "password": PASSWORD})
    assert response.status_code == 400


def test_session_key_changes_at_sign_in(client, alice):
    client.get(SIGN_IN)
    before = client.cookies["sessionid"].value if "sessionid" in client.cookies else None
    client.post(SIGN_IN, {"username": "alice@example.com", "password": PASSWORD})
    assert client.cookies["sessionid"].value != before


def test_sign_in_is_recorded(client, alice):
    client.post(SIGN_IN, {"username": "alice@example.com", "password": PASSWORD}, REMOTE_ADDR="203.0.113.7")
    event = SecurityEvent.objects.get(user=alice, kind=events.SIGNED_IN)
    assert event.ip_address == "203.0.113.7"
    assert event.actor_kind == "user"


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"username": "", "password": ""},
        {"username": "x" * 10_000, "password": PASSWORD},
        {"username": "alice@example.com", "password": "p" * 10_000},
        {"username": "alice@example.com\x00", "password": PASSWORD},
        {"username": "<script>alert(1)</script>", "password": "x"},
    ],
)
def test_bad_input_gets_a_form_error_not_a_500(client, alice, data):
    response = client.post(SIGN_IN, data)
    assert response.status_code == 400
    assert b'class="error"' in response.content


def test_overview_needs_sign_in(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(SIGN_IN)


def test_next_parameter_is_followed_only_on_this_host(client, alice):
    ok = client.post(SIGN_IN + "?next=/activity/", {"username": alice.email, "password": PASSWORD})
    assert ok["Location"] == "/activity/"
    client.post("/account/sign-out/")
    evil = client.post(SIGN_IN + "?next=https://evil.example/", {"username": alice.email, "password": PASSWORD})
    assert evil["Location"] == reverse("security:overview")


def test_second_step_leaves_a_pending_state_that_is_not_a_login(rf, db):
    import time_machine
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.flows import sign_in_with_password
    from accounts.services.sign_in import pending_sign_in_user

    user = UserFactory(email="twostep@example.com", two_step_enabled=True)
    user.backend = "django.contrib.auth.backends.ModelBackend"
    request = rf.post(SIGN_IN)
    request.session, request.user = SessionStore(), AnonymousUser()
    request.session.save()
    key_before = request.session.session_key

    with time_machine.travel("2026-01-01 10:00:00Z", tick=False):
        assert sign_in_with_password(request, user=user, next_url=None).redirect_to == reverse("two_factor:verify")
        assert "_auth_user_id" not in request.session
        assert request.session.session_key != key_before
        assert pending_sign_in_user(request) == user
    with time_machine.travel("2026-01-01 10:09:59Z", tick=False):
        assert pending_sign_in_user(request) == user
    with time_machine.travel("2026-01-01 10:10:01Z", tick=False):
        assert pending_sign_in_user(request) is None


def test_failures_are_recorded_on_the_account_and_nothing_secret_is_logged(client, alice, caplog):
    caplog.set_level("DEBUG")
    client.post(SIGN_IN, {"username": "Alice@example.com", "password": "Hunter2-Wrong-Guess"}, REMOTE_ADDR="192.0.2.4")
    client.post(SIGN_IN, {"username": "ghost@example.com", "password": "Hunter2-Wrong-Guess"})
    client.post(SIGN_IN, {"username": "alice@example.com", "password": PASSWORD})
    failed = SecurityEvent.objects.get(user=alice, kind=events.SIGN_IN_FAILED)
    assert failed.ip_address == "192.0.2.4" and failed.actor is None
    assert SecurityEvent.objects.filter(user=alice, kind=events.SIGNED_IN).count() == 1
    assert "Hunter2-Wrong-Guess" not in caplog.text
    assert PASSWORD not in caplog.text
    assert alice.password not in caplog.text
