"""SMS as a second factor through the phone binding (items 13, 14, 17): offered only with a bound phone and
after the authenticator app, sent only on request after the password step, bound to the session, used once."""

import re

import pytest
from django.test import Client
from django.utils import timezone

from security.phone.models import PhoneBinding
from security.sms import test as sms_outbox
from tests.factories import PASSWORD
from tests.two_factor.otp import code_at, current_step, sign_in_with_password

NUMBER = "+8613812345678"


@pytest.fixture
def with_phone(enrolled):
    sms_outbox.outbox_clear()
    PhoneBinding.objects.create(user=enrolled, number=NUMBER, bound_at=timezone.now())
    yield enrolled
    sms_outbox.outbox_clear()


def last_code() -> str:
    messages = sms_outbox.messages_to(NUMBER)
    assert messages, "no SMS was sent"
    return re.search(r"\b(\d{6})\b", messages[-1].body).group(1)


def test_sms_is_offered_after_the_authenticator_only_with_a_bound_phone(enrolled, clock):
    client = Client()
    sign_in_with_password(client, enrolled)
    assert 'data-testid="method-sms"' not in client.get("/two-step/verify/").content.decode()
    PhoneBinding.objects.create(user=enrolled, number=NUMBER, bound_at=timezone.now())
    page = client.get("/two-step/verify/").content.decode()
    assert 'value="totp"' in page  # the authenticator app stays the default
    assert 'data-testid="method-sms"' in page


def test_sign_in_with_an_sms_code(with_phone, clock):
    client = Client()
    sign_in_with_password(client, with_phone)
    assert client.get("/two-step/verify/?method=sms").status_code == 200
    assert sms_outbox.messages_to(NUMBER) == []  # nothing is sent until the user asks
    sent = client.post("/two-step/verify/", {"method": "sms", "action": "challenge"}, HTTP_ACCEPT_LANGUAGE="en")
    assert sent.status_code == 200 and "+86 138****5678" in sent.content.decode()
    assert "_auth_user_id" not in client.session
    wrong = client.post(
        "/two-step/verify/", {"method": "sms", "code": "000000" if last_code() != "000000" else "111111"}
    )
    assert wrong.status_code == 400
    ok = client.post("/two-step/verify/", {"method": "sms", "code": last_code()})
    assert ok.status_code == 302 and ok["Location"] == "/"
    assert client.session["reauth_method"] == "sms"
    assert "otp_device_id" not in client.session


def test_an_sms_code_works_once_and_only_in_its_session(with_phone, clock):
    first, second = Client(), Client()
    sign_in_with_password(first, with_phone)
    sign_in_with_password(second, with_phone)
    first.post("/two-step/verify/", {"method": "sms", "action": "challenge"})
    code = last_code()
    assert second.post("/two-step/verify/", {"method": "sms", "code": code}).status_code == 400
    assert first.post("/two-step/verify/", {"method": "sms", "code": code}).status_code == 302
    third = Client()
    sign_in_with_password(third, with_phone)
    assert third.post("/two-step/verify/", {"method": "sms", "code": code}).status_code == 400


def test_resend_cooldown_is_a_message(with_phone, clock):
    client = Client()
    sign_in_with_password(client, with_phone)
    client.post("/two-step/verify/", {"method": "sms", "action": "challenge"})
    again = client.post("/two-step/verify/", {"method": "sms", "action": "challenge"}, HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 429 and 'class="error"' in again.content.decode()
    assert len(sms_outbox.messages_to(NUMBER)) == 1


def test_no_sms_without_the_password_step(with_phone, clock):
    client = Client()
    response = client.post("/two-step/verify/", {"method": "sms", "action": "challenge"})
    assert response["Location"] == "/account/sign-in/"
    assert sms_outbox.messages_to(NUMBER) == []


@pytest.mark.parametrize("code", ["", "abc", "1234567", "x" * 10_000])
def test_bad_sms_codes_get_a_message(with_phone, clock, code):
    client = Client()
    sign_in_with_password(client, with_phone)
    client.post("/two-step/verify/", {"method": "sms", "action": "challenge"})
    response = client.post("/two-step/verify/", {"method": "sms", "code": code})
    assert response.status_code == 400 and 'class="error"' in response.content.decode()


def test_sms_counts_as_a_fresh_factor_and_can_turn_two_step_off(with_phone, clock):
    client = Client()
    sign_in_with_password(client, with_phone)
    client.post("/two-step/verify/", {"method": "totp", "code": code_at(current_step())})
    clock.shift(11 * 60)
    client.post("/confirm/?method=sms", {"method": "sms", "action": "challenge", "next": "/two-step/disable/"})
    ok = client.post("/confirm/", {"method": "sms", "code": last_code(), "next": "/two-step/disable/"})
    assert ok["Location"] == "/two-step/disable/"
    assert client.post("/two-step/disable/", {"password": PASSWORD})["Location"] == "/two-step/"
    with_phone.refresh_from_db()
    assert not with_phone.two_step_enabled


def test_sms_pages_read_in_chinese(with_phone, clock):
    from tests.test_pages import untranslated_words

    client = Client()
    sign_in_with_password(client, with_phone)
    zh = {"HTTP_ACCEPT_LANGUAGE": "zh-CN"}
    for response in (
        client.get("/two-step/verify/", **zh),
        client.get("/two-step/verify/?method=sms", **zh),
        client.post("/two-step/verify/", {"method": "sms", "action": "challenge"}, **zh),
        client.post("/two-step/verify/", {"method": "sms", "action": "challenge"}, **zh),
        client.post("/two-step/verify/", {"method": "sms", "code": "12"}, **zh),
    ):
        assert untranslated_words(response.content.decode(), with_phone.email) == set()


def test_the_send_button_counts_the_cooldown_down_and_says_so_in_chinese(with_phone, clock):
    """The second step's "send me a code" carries the seconds left, which phone.js counts down on the button."""
    client = Client()
    sign_in_with_password(client, with_phone)
    before = client.get("/two-step/verify/?method=sms").content.decode()
    assert 'data-resend-in="0"' in before  # nothing sent yet: the button works now
    sent = client.post("/two-step/verify/", {"method": "sms", "action": "challenge"}, HTTP_ACCEPT_LANGUAGE="zh-CN")
    page = sent.content.decode()
    assert re.search(r'data-resend-in="(\d+)"', page).group(1) == "60"
    assert 'data-label-wait="{seconds} 秒后重新获取"' in page
    assert "js/phone.js" in page
    clock.shift(45)
    later = client.get("/two-step/verify/?method=sms").content.decode()
    assert 'data-resend-in="15"' in later
    other_session = Client()
    sign_in_with_password(other_session, with_phone)
    # The wait shown belongs to this session's code; another sign-in sees its own (the server still refuses).
    assert 'data-resend-in="0"' in other_session.get("/two-step/verify/?method=sms").content.decode()
