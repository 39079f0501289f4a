import pytest
from django.core import mail
from django.test import Client

from accounts import events
from accounts.signals import credentials_reset
from security.models import SecurityEvent
from tests.factories import PASSWORD

URL = "/account/password/"
NEW = "Seven-Purple-Kites-Drift"


def change(client, current=PASSWORD, new=NEW, again=None):
    return client.post(
        URL,
        {"current_password": current, "new_password": new, "new_password_again": again or new},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_change_needs_the_current_password(client_signed_in, user):
    response = change(client_signed_in, current="not-my-password")
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_change_ends_other_sessions_but_keeps_this_one(client_signed_in, user):
    other = Client()
    assert other.post("/account/sign-in/", {"username": user.email, "password": PASSWORD}).status_code == 302
    assert other.get("/").status_code == 200

    assert change(client_signed_in).status_code == 302
    assert client_signed_in.get("/").status_code == 200
    assert other.get("/").status_code == 302  # signed out
    user.refresh_from_db()
    assert user.check_password(NEW)


def test_change_is_recorded_notified_and_announced(client_signed_in, user):
    heard = []
    credentials_reset.connect(lambda **kw: heard.append(kw["user"].pk), weak=False, dispatch_uid="t")
    try:
        change(client_signed_in)
    finally:
        credentials_reset.disconnect(dispatch_uid="t")
    assert heard == [user.pk]
    assert SecurityEvent.objects.filter(user=user, kind=events.PASSWORD_CHANGED).count() == 1


def test_change_sends_an_email(client_signed_in, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        change(client_signed_in)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert NEW not in mail.outbox[0].body


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("short7!", "This password is too short"),
        ("password123", "This password is too common"),
        ("Example-Mail-2024", "too close to"),
        ("user-mailbox!", "too close to"),
        ("x" * 1025, "too long"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(client_signed_in, user, new, message):
    response = change(client_signed_in, new=new)
    assert response.status_code == 400
    assert message in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_reasons_are_translated(client_signed_in):
    response = client_signed_in.post(
        URL,
        {"current_password": PASSWORD, "new_password": "short7!", "new_password_again": "short7!"},
        HTTP_ACCEPT_LANGUAGE="zh-CN",
    )
    assert "密码太短" in response.content.decode()


def test_long_unicode_passphrases_are_accepted_as_typed(client_signed_in, user):
    passphrase = "我的邮箱密码是一句很长的诗" * 5 + " 🌙"
    assert len(passphrase) >= 64
    assert change(client_signed_in, new=passphrase).status_code == 302
    user.refresh_from_db()
    assert user.check_password(passphrase)
    assert not user.check_password(passphrase[:-1])


def test_mismatched_new_passwords(client_signed_in):
    assert change(client_signed_in, again="something-else-entirely").status_code == 400
