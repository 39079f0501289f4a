"""Items 31, 32: the user's signed-in sessions, ending them, idle and absolute limits."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from security.models import SecurityEvent
from security.sessions import events
from security.sessions.models import UserSession
from tests.factories import PASSWORD

PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)


def sign_in(user, **extra) -> Client:
    client = Client(**extra)
    response = client.post("/account/sign-in/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def two_sessions(user, clock):
    laptop = sign_in(user, REMOTE_ADDR="203.0.113.7")
    clock.shift(60)
    phone = sign_in(user, HTTP_USER_AGENT=PHONE_UA, REMOTE_ADDR="198.51.100.4")
    return laptop, phone


def test_sessions_are_listed_with_this_one_marked(two_sessions):
    laptop, _phone = two_sessions
    page = laptop.get("/devices/sessions/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count("data-session-id=") == 2
    assert page.count('data-testid="this-session"') == 1
    assert ("198.51.100.4" in page and "Safari on iOS" in page) or "iPhone" in page


def test_ending_another_session_signs_it_out_on_the_server(two_sessions, user):
    laptop, phone = two_sessions
    phone_record = UserSession.objects.get(user=user, ip_address="198.51.100.4")
    assert laptop.post(f"/devices/sessions/{phone_record.pk}/end/")["Location"] == "/devices/sessions/"
    assert not Session.objects.filter(session_key=phone_record.session_key).exists()
    assert phone.get("/")["Location"].startswith("/account/sign-in/")
    assert laptop.get("/").status_code == 200
    assert SecurityEvent.objects.filter(user=user, kind=events.SESSION_ENDED).exists()


def test_this_session_cannot_be_ended_from_the_list(two_sessions, user):
    laptop, _phone = two_sessions
    mine = UserSession.objects.get(session_key=laptop.session.session_key)
    laptop.post(f"/devices/sessions/{mine.pk}/end/")
    assert laptop.get("/").status_code == 200


def test_end_all_other_sessions(two_sessions, user, clock):
    laptop, phone = two_sessions
    third = sign_in(user)
    question = phone.get("/devices/sessions/end-others/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert question.count("is signed out and must sign in again.") == 2
    phone.post("/devices/sessions/end-others/")  # the old one-click form: asks, ends nothing
    assert laptop.get("/").status_code == 200 and UserSession.objects.filter(user=user).count() == 3
    phone.post("/devices/sessions/end-others/", {"confirmed": "yes"})
    assert phone.get("/").status_code == 200
    assert laptop.get("/").status_code == 302 and third.get("/").status_code == 302
    assert UserSession.objects.filter(user=user).count() == 1
    assert SecurityEvent.objects.get(user=user, kind=events.SESSIONS_ENDED_OTHERS).details == {"count": 2}


def test_cannot_end_another_users_session(two_sessions, user):
    from tests.factories import UserFactory

    laptop, _phone = two_sessions
    intruder = sign_in(UserFactory())
    record = UserSession.objects.get(session_key=laptop.session.session_key)
    intruder.post(f"/devices/sessions/{record.pk}/end/")
    assert laptop.get("/").status_code == 200


def test_sign_out_removes_the_session_from_the_list(two_sessions, user):
    laptop, _phone = two_sessions
    laptop.post("/account/sign-out/")
    assert UserSession.objects.filter(user=user).count() == 1


def test_password_change_drops_the_other_sessions_from_the_list(two_sessions, user):
    laptop, phone = two_sessions
    response = laptop.post(
        "/account/password/",
        {
            "current_password": PASSWORD,
            "new_password": "Brand-New-Passphrase-77",
            "new_password_again": "Brand-New-Passphrase-77",
        },
    )
    assert response.status_code == 302
    page = laptop.get("/devices/sessions/").content.decode()
    assert page.count("data-session-id=") == 1
    assert phone.get("/").status_code == 302


def test_idle_limit_ends_the_session(user, clock):
    client = sign_in(user)
    clock.shift(59 * 60)
    assert client.get("/").status_code == 200
    clock.shift(59 * 60)
    assert client.get("/").status_code == 200  # activity keeps it alive
    clock.shift(60 * 60 + 1)
    assert client.get("/").status_code == 302


def test_absolute_limit_ends_the_session_even_when_active(user, clock):
    client = sign_in(user)
    for _hour in range(24):
        clock.shift(59 * 60)
        assert client.get("/").status_code == 200  # 23 h 36 min after sign-in, never idle
    clock.shift(30 * 60)  # 24 h 6 min after sign-in, 30 min idle
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/account/sign-in/")
    assert SecurityEvent.objects.filter(user=user, kind=events.SESSION_EXPIRED).exists()
    assert not UserSession.objects.filter(user=user).exists()


def test_limits_are_configurable(user, clock, settings):
    from datetime import timedelta

    settings.PORTAL_SESSION_ABSOLUTE = timedelta(hours=2)
    client = sign_in(user)
    clock.shift(3500)
    assert client.get("/").status_code == 200
    clock.shift(3500)
    assert client.get("/").status_code == 200  # 1 h 57 min after sign-in
    clock.shift(400)
    assert client.get("/").status_code == 302  # 2 h 3 min: past the 2 h absolute limit


def test_activity_is_written_at_most_once_a_minute(user, clock, django_assert_max_num_queries):
    client = sign_in(user)
    record = UserSession.objects.get(user=user)
    clock.shift(10)
    client.get("/")
    record.refresh_from_db()
    first = record.last_activity_at
    clock.shift(10)
    client.get("/")
    record.refresh_from_db()
    assert record.last_activity_at == first
    clock.shift(61)
    client.get("/")
    record.refresh_from_db()
    assert record.last_activity_at > first


def test_an_unchanged_session_is_saved_once_a_minute_and_the_idle_limit_follows(user, clock):
    """Not on every request (a write and a commit per page): once its last save is a minute old. The idle limit
    then counts from that save, so a session can end up to a minute early, never late."""
    client = sign_in(user)
    key = client.cookies["sessionid"].value

    def expires():
        return Session.objects.get(session_key=key).expire_date

    after_sign_in = expires()
    clock.shift(30)
    response = client.get("/")
    assert response.status_code == 200 and "sessionid" not in response.cookies
    assert expires() == after_sign_in
    clock.shift(31)
    response = client.get("/")
    assert "sessionid" in response.cookies  # the cookie's own lifetime moves with the row's
    refreshed = expires()
    assert refreshed > after_sign_in
    clock.shift(59)
    client.get("/")
    assert expires() == refreshed
    clock.shift(60 * 60 - 59)  # exactly an hour after the last save, 59 min after the last request
    assert client.get("/").status_code == 302


def test_signing_out_is_not_undone_by_the_refresh(user, clock):
    client = sign_in(user)
    key = client.cookies["sessionid"].value
    clock.shift(120)
    client.post("/account/sign-out/")
    assert not Session.objects.filter(session_key=key).exists()
    assert not Session.objects.exclude(session_key=key).exists()


def registry_queries(client, path="/", **extra) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(path, **extra).status_code == 200
    return [q["sql"] for q in captured.captured_queries if "trusted_devices_usersession" in q["sql"]]


def test_the_registry_is_not_read_again_while_the_session_shows_it_current(user, clock):
    """The session remembers the record's last write (key, stamp, IP, time): within the minute no page reads the
    row; once the write is a minute old the next page reads and writes it, as before."""
    client = sign_in(user)
    clock.shift(10)
    assert registry_queries(client) == []
    clock.shift(40)
    assert registry_queries(client) == []
    clock.shift(11)
    sent = registry_queries(client)
    assert [sql.split()[0] for sql in sent] == ["SELECT", "UPDATE"]
    clock.shift(30)
    assert registry_queries(client) == []


def test_a_new_address_or_stamp_is_written_at_once_within_the_minute(user, clock):
    client = sign_in(user, REMOTE_ADDR="203.0.113.7")
    clock.shift(5)
    assert [sql.split()[0] for sql in registry_queries(client, REMOTE_ADDR="198.51.100.4")] == ["SELECT", "UPDATE"]
    assert UserSession.objects.get(user=user).ip_address == "198.51.100.4"
    clock.shift(5)
    assert registry_queries(client, REMOTE_ADDR="198.51.100.4") == []


def test_a_session_whose_record_was_ended_is_signed_out_within_the_minute(two_sessions, user):
    laptop, phone = two_sessions
    assert laptop.get("/").status_code == 200
    record = UserSession.objects.get(user=user, ip_address="203.0.113.7")
    phone.post(f"/devices/sessions/{record.pk}/end/")
    assert laptop.get("/").status_code == 302


def test_a_new_stamp_is_written_to_the_record_on_the_next_page(user, clock):
    client = sign_in(user)
    clock.shift(5)
    assert registry_queries(client) == []
    response = client.post(
        "/account/password/",
        {
            "current_password": PASSWORD,
            "new_password": "Brand-New-Passphrase-77",
            "new_password_again": "Brand-New-Passphrase-77",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    clock.shift(5)
    client.get("/")
    assert UserSession.objects.get(user=user).security_stamp == user.security_stamp
