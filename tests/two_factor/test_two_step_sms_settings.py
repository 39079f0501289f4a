"""SMS in the two-step settings (issue 13): listed with what it is for, and the user can stop using it for signing
in without unbinding the phone. Stopping and starting again are recorded and e-mailed; a stopped SMS is offered
neither at sign-in nor on the confirm page."""

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from security.client import SYSTEM
from security.models import SecurityEvent
from security.phone.models import PhoneBinding
from security.sms import test as sms_outbox
from security.two_factor import events, methods
from security.two_factor.models import PausedMethod
from security.two_factor.phone_method import SMS
from security.two_factor.services import method_pause_set
from tests.two_factor.otp import sign_in_with_password

NUMBER = "+8613812345678"


@pytest.fixture
def with_phone(enrolled):
    sms_outbox.outbox_clear()
    PhoneBinding.objects.create(user=enrolled, number=NUMBER, bound_at=timezone.now())
    yield enrolled
    sms_outbox.outbox_clear()


def test_the_two_step_page_lists_sms_and_says_what_it_is_for(client_two_step, with_phone):
    page = client_two_step.get("/two-step/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-factor="sms"' in page
    assert "less safe than an authenticator app" in page
    assert "+86 138****5678" in page and 'data-testid="sms-sign-in-stop"' in page
    assert "Slot:" not in page
    card = client_two_step.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="card-sms"' in card


def test_without_a_phone_the_sms_section_offers_to_bind_one(client_two_step):
    page = client_two_step.get("/two-step/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-factor="sms"' in page and 'href="/phone/"' in page
    assert 'data-testid="sms-sign-in-stop"' not in page


def test_stopping_sms_keeps_the_phone_and_is_recorded(client_two_step, with_phone, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_two_step.post("/two-step/sms/", {"use": "off"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and response["Location"] == "/two-step/"
    assert PhoneBinding.objects.filter(user=with_phone).exists()  # the phone stays bound
    assert PausedMethod.objects.filter(user=with_phone, method=SMS).exists()
    assert SecurityEvent.objects.filter(user=with_phone, kind=events.SMS_SIGN_IN_STOPPED).count() == 1
    assert len(mail.outbox) == 1
    page = client_two_step.get("/two-step/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "SMS codes are no longer offered when you sign in" in page  # the flash message
    assert 'data-testid="sms-sign-in-resume"' in page and 'data-testid="sms-sign-in-stop"' not in page
    # The phone page still shows the number.
    assert "+86 138****5678" in client_two_step.get("/phone/").content.decode()


def test_a_stopped_sms_is_not_offered_at_sign_in_nor_sent(with_phone, clock):
    method_pause_set(user=with_phone, method_key=SMS, paused=True, client=SYSTEM)
    client = Client()
    sign_in_with_password(client, with_phone)
    page = client.get("/two-step/verify/").content.decode()
    assert 'data-testid="method-sms"' not in page and 'data-testid="method-recovery"' in page
    # Asking for it anyway falls back to the authenticator app and sends nothing.
    forced = client.post("/two-step/verify/", {"method": "sms", "action": "challenge"})
    assert 'data-method="totp"' in forced.content.decode()
    assert sms_outbox.messages_to(NUMBER) == []
    assert [m.key for m in methods.methods_available_for(with_phone)] == ["totp", "recovery"]


def test_a_stopped_sms_is_not_offered_on_the_confirm_page(client_two_step, with_phone, clock):
    method_pause_set(user=with_phone, method_key=SMS, paused=True, client=SYSTEM)
    clock.shift(10 * 60 + 1)
    page = client_two_step.get("/confirm/?next=/two-step/").content.decode()
    assert 'data-testid="method-sms"' not in page


def test_sms_can_be_used_again(client_two_step, with_phone):
    client_two_step.post("/two-step/sms/", {"use": "off"})
    client_two_step.post("/two-step/sms/", {"use": "on"})
    assert not PausedMethod.objects.filter(user=with_phone).exists()
    assert SecurityEvent.objects.filter(user=with_phone, kind=events.SMS_SIGN_IN_RESUMED).count() == 1
    assert SMS in [m.key for m in methods.methods_available_for(with_phone)]
    # Saying it twice changes nothing and records nothing more.
    client_two_step.post("/two-step/sms/", {"use": "on"})
    assert SecurityEvent.objects.filter(user=with_phone, kind=events.SMS_SIGN_IN_RESUMED).count() == 1


def test_stopping_sms_needs_a_fresh_confirmation_and_a_post(client_two_step, with_phone, clock):
    assert client_two_step.get("/two-step/sms/").status_code == 405
    clock.shift(10 * 60 + 1)
    stale = client_two_step.post("/two-step/sms/", {"use": "off"})
    assert stale["Location"].startswith("/confirm/")
    assert not PausedMethod.objects.exists()


def test_the_sms_section_and_events_are_in_chinese(client_two_step, with_phone):
    client_two_step.post("/two-step/sms/", {"use": "off"})
    page = client_two_step.get("/two-step/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "短信验证码" in page and "仍保持绑定" in page
    assert "Stop using" not in page and "stays bound" not in page
    activity = client_two_step.get("/activity/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "已停止使用短信验证码登录" in activity
