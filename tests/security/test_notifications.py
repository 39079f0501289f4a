import pytest
from django.core import mail
from django.test import override_settings

from accounts import events
from security.audit import security_event_record
from security.client import Client as ClientInfo
from security.models import Notification, NotificationAddress
from security.notifications import notifications_retry_pending


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


@pytest.mark.django_db(transaction=True)
def test_failed_send_never_breaks_the_action_and_is_retried(user):
    with override_settings(EMAIL_BACKEND="tests.security.test_notifications.BrokenBackend"):
        event = security_event_record(user=user, actor=user, kind=events.PASSWORD_CHANGED, notify=True)
    assert event.pk  # the action stood
    notification = Notification.objects.get(event=event)
    assert notification.sent_at is None and notification.attempts == 1
    assert "ConnectionRefusedError" in notification.last_error

    sent, pending = notifications_retry_pending()
    assert (sent, pending) == (1, 0)
    notification.refresh_from_db()
    assert notification.sent_at is not None
    assert mail.outbox[0].to == [user.email]


@pytest.mark.django_db(transaction=True)
def test_notification_is_in_the_users_language(user):
    user.language = "zh-hans"
    user.save()
    security_event_record(user=user, actor=user, kind=events.PASSWORD_CHANGED, notify=True)
    assert "密码已修改" in mail.outbox[0].subject
    assert "安全提醒" in mail.outbox[0].subject


@pytest.mark.django_db(transaction=True)
def test_no_email_if_the_action_rolls_back(user):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        security_event_record(user=user, actor=user, kind=events.PASSWORD_CHANGED, notify=True)
        raise RuntimeError("the action failed")
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_second_address_gets_alerts_only_after_confirming(client_signed_in, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_signed_in.post("/notifications/", {"address": "Backup@Elsewhere.example"})
    assert response.status_code == 302
    confirm_mail = next(m for m in mail.outbox if m.to == ["backup@elsewhere.example"])
    link = next(line.strip() for line in confirm_mail.body.splitlines() if "/notifications/confirm/" in line)
    path = link[link.index("/notifications/confirm/") :]

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        security_event_record(user=user, actor=user, kind=events.PASSWORD_CHANGED, notify=True)
    assert mail.outbox[0].to == [user.email]  # not confirmed yet

    assert client_signed_in.get(path).status_code == 200  # GET only shows a button
    assert NotificationAddress.objects.get(user=user).verified_at is None
    from django.test import Client

    with django_capture_on_commit_callbacks(execute=True):
        assert Client().post(path).status_code == 200  # works from the other mailbox's browser, signed out
    assert NotificationAddress.objects.get(user=user).verified_at is not None

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        security_event_record(user=user, actor=user, kind=events.PASSWORD_CHANGED, notify=True, client=ClientInfo())
    assert mail.outbox[0].to == [user.email, "backup@elsewhere.example"]


@pytest.mark.parametrize("token", ["nonsense", "x" * 10_000, "eyJ1c2VyIjoxfQ:bad:sig"])
def test_bad_confirmation_links_get_a_clear_page(client, db, token):
    response = client.get(f"/notifications/confirm/{token}/")
    assert response.status_code == 400
    assert client.post(f"/notifications/confirm/{token}/").status_code == 400


@pytest.mark.parametrize("address", ["", "not-an-address", "a@" + "b" * 300 + ".com"])
def test_bad_second_addresses(client_signed_in, address):
    assert client_signed_in.post("/notifications/", {"address": address}).status_code == 400
    assert not NotificationAddress.objects.exists()


def test_the_mailbox_itself_is_refused_as_second_address(client_signed_in, user):
    assert client_signed_in.post("/notifications/", {"address": user.email.upper()}).status_code == 400


def test_removing_it_is_recorded_and_notified(client_signed_in, user, django_capture_on_commit_callbacks):
    client_signed_in.post("/notifications/", {"address": "backup@elsewhere.example"})
    with django_capture_on_commit_callbacks(execute=True):
        assert client_signed_in.post("/notifications/remove/").status_code == 302
    assert not NotificationAddress.objects.exists()
    assert user.security_events.filter(kind="notifications.address_removed").exists()
    assert any("backup@elsewhere.example" in m.body for m in mail.outbox if m.to == [user.email])


@pytest.mark.django_db(transaction=True)
def test_alert_names_device_and_place_in_the_users_language(user):
    user.language = "zh-hans"
    user.save()
    agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0"
    client = ClientInfo(ip="203.0.113.7", user_agent=agent)
    security_event_record(user=user, actor=user, kind=events.PASSWORD_CHANGED, notify=True, client=client)
    assert "来源： Windows 上的 Chrome，203.0.113.7" in mail.outbox[0].body
