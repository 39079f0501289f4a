"""The app-password pages and services: shown once, reauth, limits, double submit, bad names, other users'
ids."""

import logging
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from security.app_passwords import events
from security.app_passwords.models import AppPassword
from security.app_passwords.services import (
    AppPasswordError,
    AppPasswordLimitReached,
    app_password_create,
    app_password_revoke,
)
from security.app_passwords.tokens import ALPHABET, ENTROPY_BITS, TOKEN_LENGTH, token_generate, token_sha256
from security.client import SYSTEM
from security.models import SecurityEvent
from tests.factories import PASSWORD, UserFactory

LIST = "/app-passwords/"
NEW = "/app-passwords/new/"
SECRET_RE = re.compile(r'data-testid="app-password-secret">(.*?)</code>', re.S)


def new_form(client) -> dict:
    page = client.get(NEW)
    assert page.status_code == 200
    key = re.search(r'name="creation_key" value="([^"]+)"', page.content.decode()).group(1)
    return {"name": "Outlook", "scope": "smtp", "expires_in_days": "", "creation_key": key}


def secret_on(response) -> str:
    html = SECRET_RE.search(response.content.decode()).group(1)
    return re.sub(
        r"<[^>]+>", "", html
    )  # what selecting the text gives: the groups have no space between them


# --- Item 21: entropy, storage, shown once -----------------------------------------------------------
def test_secret_has_at_least_112_bits_and_types_on_a_phone():
    assert ENTROPY_BITS >= 112
    secrets_seen = {token_generate() for _ in range(200)}
    assert len(secrets_seen) == 200
    for secret in secrets_seen:
        assert len(secret) == TOKEN_LENGTH and set(secret) <= set(ALPHABET) and secret.islower()
    assert not set("lo0O1I") & set(ALPHABET)


def test_only_the_sha256_is_stored_and_the_secret_is_shown_once(client_signed_in, user, caplog):
    caplog.set_level(logging.DEBUG)
    response = client_signed_in.post(NEW, new_form(client_signed_in))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = secret_on(response)
    stored = AppPassword.objects.get(user=user)
    assert stored.token_sha256 == token_sha256(secret) and len(stored.token_sha256) == 64
    row = AppPassword.objects.filter(pk=stored.pk).values().get()
    assert secret not in repr(row)
    assert secret not in caplog.text
    assert all(secret not in str(value) for value in client_signed_in.session.values())
    assert secret not in repr(SecurityEvent.objects.filter(user=user).values_list("details", flat=True))
    assert all(secret not in message.body for message in mail.outbox)
    listing = client_signed_in.get(LIST)
    assert secret not in listing.content.decode()
    assert "Outlook" in listing.content.decode()


def test_created_page_shows_mail_client_settings(client_signed_in, settings):
    settings.PORTAL_MAIL_SMTP_HOST = "smtp.mail.test"
    settings.PORTAL_MAIL_SMTP_PORT = 465
    response = client_signed_in.post(NEW, new_form(client_signed_in))
    html = response.content.decode()
    assert "smtp.mail.test" in html and "465" in html
    assert 'data-testid="mail-setting-imap"' in html and 'data-testid="mail-setting-pop3"' in html


# --- Item 22: fresh second factor / password, notification -------------------------------------------
def test_creating_needs_a_fresh_confirmation(client, user):
    with time_machine.travel("2026-05-01 08:00:00Z", tick=False) as clock:
        client.post("/account/sign-in/", {"username": user.email, "password": PASSWORD})
        form = new_form(client)
        clock.shift(11 * 60)
        response = client.post(NEW, form)
        assert response.status_code == 302 and response["Location"].startswith("/confirm/")
        assert not AppPassword.objects.exists()
        client.post("/confirm/", {"password": PASSWORD, "next": NEW})
        assert client.post(NEW, form).status_code == 200
        assert AppPassword.objects.count() == 1


def test_creating_records_an_event_and_emails_the_user(
    client_signed_in, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_signed_in.post(NEW, new_form(client_signed_in))
    event = SecurityEvent.objects.get(user=user, kind=events.CREATED)
    assert event.details["name"] == "Outlook" and event.actor_id == user.pk
    assert [message.to for message in mail.outbox] == [[user.email]]


# --- double submit, limits, names ---------------------------------------------------------------------------
def test_submitting_the_same_form_twice_creates_one(client_signed_in, user):
    form = new_form(client_signed_in)
    first = client_signed_in.post(NEW, form)
    second = client_signed_in.post(NEW, form)
    assert first.status_code == 200
    assert second.status_code == 302 and second["Location"] == LIST
    assert AppPassword.objects.filter(user=user).count() == 1


def test_at_most_the_configured_number_are_active(user, settings):
    settings.PORTAL_APP_PASSWORDS_MAX_ACTIVE = 3
    made = [
        app_password_create(user=user, name=f"n{i}", scope="smtp", actor=None, client=SYSTEM)
        for i in range(3)
    ]
    with pytest.raises(AppPasswordLimitReached):
        app_password_create(user=user, name="one too many", scope="smtp", actor=None, client=SYSTEM)
    app_password_revoke(user=user, app_password_id=made[0].app_password.pk, actor=None, client=SYSTEM)
    app_password_create(user=user, name="room again", scope="smtp", actor=None, client=SYSTEM)


def test_limit_is_a_clear_message_on_the_page(client_signed_in, user, settings):
    settings.PORTAL_APP_PASSWORDS_MAX_ACTIVE = 1
    app_password_create(user=user, name="first", scope="smtp", actor=None, client=SYSTEM)
    response = client_signed_in.post(NEW, new_form(client_signed_in))
    assert response.status_code == 400
    assert AppPassword.objects.filter(user=user).count() == 1


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("", False),
        ("   ", False),
        ("x" * 10_000, False),
        ("\x00\x01", False),
        ("📱 我的 iPhone", True),
        ("<script>alert(1)</script>", True),
        ("Outlook", True),
    ],
    ids=["empty", "blank", "10kB", "control", "emoji", "html", "preset"],
)
def test_names(client_signed_in, user, name, ok):
    form = {**new_form(client_signed_in), "name": name}
    response = client_signed_in.post(NEW, form)
    assert response.status_code == (200 if ok else 400)
    assert AppPassword.objects.filter(user=user).exists() == ok
    assert "<script>alert(1)</script>" not in response.content.decode()
    if ok:
        listing = client_signed_in.get(LIST).content.decode()
        assert "<script>alert(1)</script>" not in listing


def test_duplicate_names_are_allowed_and_told_apart(client_signed_in, user):
    for _ in range(2):
        client_signed_in.post(NEW, new_form(client_signed_in))
    ids = list(AppPassword.objects.filter(user=user, name="Outlook").values_list("pk", flat=True))
    assert len(ids) == 2
    listing = client_signed_in.get(LIST).content.decode()
    # Each row acts on its own app password; the internal id is no label for people ("#2" meant nothing).
    assert all(f'href="/app-passwords/{pk}/revoke/"' in listing for pk in ids)
    assert not any(f"#{pk}" in listing for pk in ids)


def test_service_rejects_bad_scope_and_past_expiry(user):
    from datetime import timedelta

    from django.utils import timezone

    with pytest.raises(AppPasswordError):
        app_password_create(user=user, name="x", scope="ftp", actor=None, client=SYSTEM)
    with pytest.raises(AppPasswordError):
        app_password_create(
            user=user,
            name="x",
            scope="smtp",
            expires_at=timezone.now() - timedelta(seconds=1),
            actor=None,
            client=SYSTEM,
        )


def test_unknown_scope_on_the_form_is_a_message(client_signed_in, user):
    response = client_signed_in.post(NEW, {**new_form(client_signed_in), "scope": "ftp"})
    assert response.status_code == 400
    assert not AppPassword.objects.exists()


# --- Item 23: list, never used, revoke ---------------------------------------------------------------
def test_list_shows_never_used_and_status(client_signed_in, user):
    created = app_password_create(user=user, name="Foxmail", scope="imap", actor=None, client=SYSTEM)
    app_password_revoke(user=user, app_password_id=created.app_password.pk, actor=None, client=SYSTEM)
    app_password_create(user=user, name="Thunderbird", scope="all", actor=None, client=SYSTEM)
    html = client_signed_in.get(LIST).content.decode()
    assert html.count('data-testid="app-password-row"') == 2
    assert "Never used" in html or "从未使用" in html
    assert html.count('data-testid="app-password-revoke"') == 1


def test_list_query_count_does_not_grow(client_signed_in, user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client_signed_in.get(LIST)
    for i in range(10):
        app_password_create(user=user, name=f"n{i}", scope="smtp", actor=None, client=SYSTEM)
    with CaptureQueriesContext(connection) as many:
        client_signed_in.get(LIST)
    assert len(many) == len(few)


CONFIRMED = {"confirmed": "yes"}  # what only the confirmation page sends (security/confirmation.py)


def test_revoke_one_and_all_from_the_page(client_signed_in, user):
    a, _b, _c = (
        app_password_create(user=user, name=n, scope="smtp", actor=None, client=SYSTEM) for n in "abc"
    )
    response = client_signed_in.post(reverse("app_passwords:revoke", args=[a.app_password.pk]), CONFIRMED)
    assert response.status_code == 302
    assert list(AppPassword.objects.active().filter(user=user).values_list("name", flat=True)) == ["c", "b"]
    client_signed_in.post(reverse("app_passwords:revoke_all"), CONFIRMED)
    assert not AppPassword.objects.active().filter(user=user).exists()
    kinds = set(SecurityEvent.objects.filter(user=user).values_list("kind", flat=True))
    assert {events.REVOKED, events.REVOKED_ALL} <= kinds


def test_revoke_asks_first_and_says_what_stops_working(client_signed_in, user):
    created = app_password_create(user=user, name="Outlook on my laptop", scope="smtp", actor=None, client=SYSTEM)
    url = reverse("app_passwords:revoke", args=[created.app_password.pk])
    page = client_signed_in.get(url, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert "“Outlook on my laptop” will stop sending mail." in html
    assert 'name="confirmed" value="yes"' in html and 'class="destructive"' in html
    # The old one-click form's POST (no confirmation field) only shows the question again.
    assert client_signed_in.post(url).status_code == 200
    assert client_signed_in.post(url, {"confirmed": "1"}).status_code == 200
    assert AppPassword.objects.active().filter(user=user).count() == 1
    assert not SecurityEvent.objects.filter(user=user, kind=events.REVOKED).exists()


@pytest.mark.parametrize(
    ("scope", "sentence"),
    [("imap", "will stop receiving mail (IMAP and POP3)."), ("all", "will stop sending and receiving mail.")],
)
def test_the_question_names_what_the_scope_opens(client_signed_in, user, scope, sentence):
    created = app_password_create(user=user, name="Foxmail", scope=scope, actor=None, client=SYSTEM)
    url = reverse("app_passwords:revoke", args=[created.app_password.pk])
    page = client_signed_in.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert f"“Foxmail” {sentence}" in page.content.decode()


def test_revoke_all_asks_first_and_lists_every_app(client_signed_in, user):
    for name in ("Outlook", "iPhone Mail"):
        app_password_create(user=user, name=name, scope="all", actor=None, client=SYSTEM)
    page = client_signed_in.get(reverse("app_passwords:revoke_all"), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "“Outlook”将无法再收发邮件。" in page and "“iPhone Mail”将无法再收发邮件。" in page
    client_signed_in.post(reverse("app_passwords:revoke_all"))
    assert AppPassword.objects.active().filter(user=user).count() == 2
    assert client_signed_in.get(reverse("app_passwords:list")).content.decode().count("confirmed") == 0


def test_revoke_question_for_a_revoked_or_foreign_one_is_404(client_signed_in, user):
    mine = app_password_create(user=user, name="a", scope="smtp", actor=None, client=SYSTEM)
    app_password_revoke(user=user, app_password_id=mine.app_password.pk, actor=None, client=SYSTEM)
    theirs = app_password_create(user=UserFactory(), name="b", scope="smtp", actor=None, client=SYSTEM)
    for pk in (mine.app_password.pk, theirs.app_password.pk, 0):
        assert client_signed_in.get(reverse("app_passwords:revoke", args=[pk])).status_code == 404


def test_revoking_someone_elses_id_is_404_and_logged(client_signed_in, user, caplog):
    other = UserFactory()
    theirs = app_password_create(user=other, name="theirs", scope="smtp", actor=None, client=SYSTEM)
    with caplog.at_level(logging.WARNING, logger="portal.security"):
        response = client_signed_in.post(reverse("app_passwords:revoke", args=[theirs.app_password.pk]), CONFIRMED)
        missing = client_signed_in.post(reverse("app_passwords:revoke", args=[999_999_999]), CONFIRMED)
    assert response.status_code == 404 and missing.status_code == 404
    assert AppPassword.objects.get(pk=theirs.app_password.pk).revoked_at is None
    assert "app password revoke refused" in caplog.text
    assert SecurityEvent.objects.filter(user=user, kind=events.REVOKE_DENIED).count() == 2
    huge = client_signed_in.post(f"/app-passwords/{'9' * 40}/revoke/", CONFIRMED)
    assert huge.status_code == 404


def test_pages_need_sign_in(client):
    assert client.get(LIST).status_code == 302
    assert client.get(NEW).status_code == 302
    assert client.post("/app-passwords/1/revoke/").status_code == 302


# --- Item 24: the web sign-in never accepts an app password ------------------------------------------
def test_web_sign_in_refuses_an_app_password(client, user):
    created = app_password_create(user=user, name="Outlook", scope="all", actor=None, client=SYSTEM)
    response = client.post("/account/sign-in/", {"username": user.email, "password": created.secret})
    assert response.status_code != 302
    assert "_auth_user_id" not in client.session


def test_overview_card_counts_and_explains(client_signed_in, user):
    app_password_create(user=user, name="a", scope="smtp", actor=None, client=SYSTEM)
    html = client_signed_in.get("/").content.decode()
    assert 'href="/app-passwords/"' in html
    assert 'data-testid="app-password-two-step-note"' in html


# --- Item 25 -----------------------------------------------------------------------------------------
def test_password_change_revokes_all_in_the_same_transaction(client_signed_in, user):
    for name in "ab":
        app_password_create(user=user, name=name, scope="smtp", actor=None, client=SYSTEM)
    from accounts.services.passwords import password_set

    password_set(user=user, new_password="Another-Long-Passphrase-42", actor=None, client=SYSTEM)
    assert not AppPassword.objects.active().filter(user=user).exists()
    event = SecurityEvent.objects.get(user=user, kind=events.REVOKED_BY_PASSWORD_CHANGE)
    assert event.details == {"count": 2}


@pytest.mark.django_db(transaction=True)
def test_two_racing_submits_of_one_form_create_one_and_never_exceed_the_limit(settings):
    """Two threads stand in for a double click (or two tabs): the user row lock serializes them."""
    import threading

    from django.db import connection

    from security.app_passwords.services import AppPasswordAlreadyCreated

    settings.PORTAL_APP_PASSWORDS_MAX_ACTIVE = 2
    user = UserFactory()
    app_password_create(user=user, name="existing", scope="smtp", actor=None, client=SYSTEM)
    outcomes, barrier = [], threading.Barrier(3)

    def submit(key):
        try:
            barrier.wait()
            app_password_create(
                user=user, name="racer", scope="smtp", creation_key=key, actor=None, client=SYSTEM
            )
            outcomes.append("created")
        except AppPasswordAlreadyCreated:
            outcomes.append("duplicate")
        except AppPasswordLimitReached:
            outcomes.append("limit")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=submit, args=(key,))
        for key in ("same-form-key-1234", "same-form-key-1234", "other-tab-key-5678")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes).count("created") == 1
    assert AppPassword.objects.filter(user=user).active().count() == 2
