"""Binding, changing and removing a phone through the pages (items 13, 16, 17, 18)."""

import re
import threading

import pytest
import time_machine
from django.core import mail
from django.test import Client as BrowserTab  # one per browser tab

from security.models import SecurityEvent
from security.phone.models import PhoneBinding
from security.sms import SmsUnavailable
from security.sms import test as test_gateway
from tests.factories import PASSWORD, UserFactory
from tests.phone.conftest import code_in
from tests.phone.factories import PhoneBindingFactory

pytestmark = pytest.mark.django_db
A = "+8613812345678"
B = "+8613912345678"


def sign_in(user, client=None):
    client = client or BrowserTab(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/account/sign-in/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def start(client, number):
    return client.post("/phone/", {"number": number})


def text(response) -> str:
    return response.content.decode()


def test_anonymous_can_never_send(client, sms_outbox):
    for path, data in [
        ("/phone/", {"number": "13812345678"}),
        ("/phone/resend/", {}),
        ("/phone/confirm/", {}),
    ]:
        response = client.post(path, data)
        assert response.status_code == 302
        assert response["Location"].startswith("/account/sign-in/")
    assert sms_outbox == []


def test_bind_flow(user, sms_outbox, django_capture_on_commit_callbacks):
    with time_machine.travel("2026-05-01 08:00:00Z", tick=False):
        client = sign_in(user)
        page = client.get("/phone/")
        assert page.status_code == 200
        assert 'data-testid="sms-risk-notice"' in text(
            page
        )  # item 13: the notice comes before binding
        assert page["Cache-Control"].startswith("max-age=0") or "no-cache" in page["Cache-Control"]
        response = start(client, "138 1234 5678")
        assert response.status_code == 302 and response["Location"] == "/phone/confirm/"
        assert [m.to for m in sms_outbox] == [A]
        confirm = client.get("/phone/confirm/")
        body = text(confirm)
        assert "+86 138****5678" in body
        # without JavaScript the page still says until when the code works (16:05 in Asia/Shanghai)
        assert "The code is valid until 16:05:00." in body
        assert 'data-countdown-to="2026-05-01T08:05:00+00:00"' in body
        assert re.search(r'<script src="[^"]*js/phone\.js">', body)
        assert "<script>" not in body and "style=" not in body
        assert A not in body and code_in(sms_outbox[0]) not in body
        with django_capture_on_commit_callbacks(execute=True):
            done = client.post("/phone/confirm/", {"code": code_in(sms_outbox[0])})
        assert done.status_code == 302 and done["Location"] == "/"
        overview = text(client.get("/"))
    assert str(PhoneBinding.objects.get(user=user).number) == A
    assert "+86 138****5678" in overview
    event = SecurityEvent.objects.get(user=user, kind="phone_bound")
    assert event.details == {"number": "+86 138****5678"}
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    assert code_in(sms_outbox[0]) not in mail.outbox[0].body


def test_wrong_code_and_expired_code_give_clear_messages(user, sms_outbox, other_code):
    with time_machine.travel("2026-05-01 08:00:00Z", tick=False) as clock:
        client = sign_in(user)
        start(client, "13812345678")
        code = code_in(sms_outbox[0])
        wrong = client.post("/phone/confirm/", {"code": other_code(code)})
        assert wrong.status_code == 400
        assert "That code is not right. 4 tries left." in text(wrong)
        huge = client.post("/phone/confirm/", {"code": "7" * 10_240})
        assert huge.status_code == 400 and "The code is the 6 digits" in text(huge)
        clock.shift(5 * 60)
        expired = client.post("/phone/confirm/", {"code": code})
        assert expired.status_code == 400
        assert "That code has expired. Ask for a new one." in text(expired)
    assert not PhoneBinding.objects.exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter your phone number."),
        ("138-abcd-5678", "only digits, spaces and dashes"),
        ("138+12345678", "A + may only appear once, at the very start"),
        ("+86+13812345678", "A + may only appear once"),
        ("1234567890123456789012345678901234567890", "too long to be a phone number"),
        ("9" * 10_240, "too long to be a phone number"),
        ("010 6552 9988", "cannot receive text messages"),
        ("+1 212 555 0100", "country or region are not supported"),
        ("1381234567", "not a valid phone number"),
        ("<script>alert(1)</script>", "only digits"),
    ],
)
def test_bad_numbers_are_refused_with_a_clear_message(user, sms_outbox, typed, message):
    client = sign_in(user)
    response = start(client, typed)
    assert response.status_code == 400
    assert message in text(response)
    assert "<script>alert" not in text(response)
    assert sms_outbox == []


def test_limit_message_says_when_to_try_again(user, sms_outbox, settings):
    settings.PORTAL_SMS_LIMIT_PER_ACCOUNT_PER_DAY = 1
    with time_machine.travel("2026-05-01 08:00:00Z", tick=False) as clock:
        client = sign_in(user)
        start(client, "13812345678")
        clock.shift(61)
        response = start(client, "13912345678")
    assert response.status_code == 400
    assert "You have asked for too many codes today. Try again at 2026-05-02 08:00." in text(response)


def test_resend_too_early_then_allowed(user, sms_outbox):
    with time_machine.travel("2026-05-01 08:00:00Z", tick=False) as clock:
        client = sign_in(user)
        start(client, "13812345678")
        page = text(client.get("/phone/confirm/"))
        assert "You can ask for a new code in 60 seconds." in page
        assert 'data-resend-in="60"' in page and 'data-label-wait="Resend in {seconds} s"' in page
        clock.shift(15)
        early = client.post("/phone/resend/", follow=True)
        assert "A code was sent just now. You can ask for a new one in 45 seconds" in text(early)
        assert "the wait applies to your account and to the phone number" in text(early)
        clock.shift(-15)
        assert len(sms_outbox) == 1
        clock.shift(60)
        client.post("/phone/resend/")
        assert len(sms_outbox) == 2 and sms_outbox[1].to == A
        assert client.post("/phone/confirm/", {"code": code_in(sms_outbox[1])}).status_code == 302


def test_gateway_failure_is_a_message_not_a_500(user, sms_outbox):
    client = sign_in(user)
    test_gateway.fail_next(SmsUnavailable("timeout"))
    response = start(client, "13812345678")
    assert response.status_code == 400
    assert "We could not send the text message. Please try again in a moment." in text(response)
    assert client.get("/phone/confirm/")["Location"] == "/phone/"  # nothing pending
    assert start(client, "13812345678").status_code == 302  # no cooldown, no used quota


def test_stale_confirmation_sends_nothing(user, sms_outbox):
    with time_machine.travel("2026-05-01 08:00:00Z", tick=False) as clock:
        client = sign_in(user)
        clock.shift(11 * 60)
        response = start(client, "13812345678")
    assert response.status_code == 302 and response["Location"].startswith("/confirm/?next=")
    assert sms_outbox == []


def test_with_two_step_on_a_password_is_not_enough(user, sms_outbox):
    client = sign_in(user)
    user.two_step_enabled = True
    user.save()
    for path in ("/phone/", "/phone/confirm/", "/phone/resend/", "/phone/remove/"):
        response = client.post(path, {"number": "13812345678"})
        assert response.status_code == 302 and response["Location"].startswith("/confirm/?next="), path
    assert sms_outbox == []


def test_change_tells_the_old_number_and_the_mailbox(user, sms_outbox, django_capture_on_commit_callbacks):
    PhoneBindingFactory(user=user, number=A)
    with time_machine.travel("2026-05-01 08:00:00Z", tick=False):
        client = sign_in(user)
        assert start(client, "13812345678").status_code == 400  # already this number
        start(client, "13912345678")
        with django_capture_on_commit_callbacks(execute=True):
            with_code = client.post("/phone/confirm/", {"code": code_in(sms_outbox[-1])})
        assert with_code.status_code == 302
    assert str(PhoneBinding.objects.get(user=user).number) == B
    notice = sms_outbox[-1]
    assert notice.to == A
    assert "no longer the phone of your mail account" in notice.body
    assert not re.search(r"\d{6}", notice.body)
    event = SecurityEvent.objects.get(user=user, kind="phone_changed")
    assert event.details == {"number": "+86 139****5678", "old_number": "+86 138****5678"}
    assert len(mail.outbox) == 1


def test_remove(user, sms_outbox, django_capture_on_commit_callbacks):
    PhoneBindingFactory(user=user, number=A)
    client = sign_in(user)
    assert 'data-testid="remove-phone"' in text(client.get("/phone/"))
    question = text(client.get("/phone/remove/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "You can no longer get a code by text message to reset a forgotten password." in question
    assert 'name="confirmed" value="yes"' in question
    assert client.post("/phone/remove/").status_code == 200  # the old one-click form only asks
    assert PhoneBinding.objects.filter(user=user).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/phone/remove/", {"confirmed": "yes"})
    assert response.status_code == 302
    assert not PhoneBinding.objects.filter(user=user).exists()
    assert SecurityEvent.objects.filter(user=user, kind="phone_removed").count() == 1
    assert len(mail.outbox) == 1
    again = client.post("/phone/remove/", {"confirmed": "yes"}, follow=True)
    assert "No phone is bound to your account." in text(again)
    assert "No phone is bound to your account." in text(client.get("/phone/remove/", follow=True))


def test_same_number_on_another_account_is_allowed_and_reveals_nobody(user, sms_outbox):
    other = PhoneBindingFactory(number=A)
    client = sign_in(user)
    start(client, "13812345678")
    response = client.post("/phone/confirm/", {"code": code_in(sms_outbox[-1])}, follow=True)
    assert response.status_code == 200
    assert PhoneBinding.objects.filter(number=A).count() == 2
    assert other.user.email not in text(response)


def test_number_on_too_many_accounts_is_refused_without_saying_whose(user, sms_outbox, settings):
    settings.PORTAL_PHONE_MAX_ACCOUNTS_PER_NUMBER = 1
    other = PhoneBindingFactory(number=A)
    client = sign_in(user)
    start(client, "13812345678")
    response = client.post("/phone/confirm/", {"code": code_in(sms_outbox[-1])})
    assert response.status_code == 400
    assert "already bound to the maximum number of accounts" in text(response)
    assert other.user.email not in text(response)
    assert not PhoneBinding.objects.filter(user=user).exists()


@pytest.mark.django_db(transaction=True)
def test_two_tabs_confirming_the_same_code_bind_once(sms_outbox):
    user = UserFactory()
    first_tab = sign_in(user)
    start(first_tab, "13812345678")
    second_tab = BrowserTab(HTTP_ACCEPT_LANGUAGE="en")
    second_tab.cookies = first_tab.cookies  # two tabs share the browser's session
    code = code_in(sms_outbox[0])
    barrier = threading.Barrier(2)
    responses = {}

    def confirm(name, tab):
        barrier.wait()
        responses[name] = tab.post("/phone/confirm/", {"code": code})

    threads = [
        threading.Thread(target=confirm, args=(n, t)) for n, t in (("one", first_tab), ("two", second_tab))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    statuses = sorted(r.status_code for r in responses.values())
    assert statuses == [302, 400]
    loser = next(r for r in responses.values() if r.status_code == 400)
    assert "That code was already used." in text(loser)
    assert PhoneBinding.objects.filter(user=user).count() == 1
    assert SecurityEvent.objects.filter(user=user, kind="phone_bound").count() == 1


def test_dev_outbox_only_with_debug(user, settings, capsys):
    client = sign_in(user)
    assert client.get("/phone/dev/outbox/").status_code == 404
    settings.DEBUG = True
    settings.PORTAL_SMS_GATEWAY = "console"
    start(client, "13812345678")
    assert "your verification code is" in capsys.readouterr().out
    page = client.get("/phone/dev/outbox/")
    assert page.status_code == 200
    assert "+8613812345678" in text(page)


def test_messages_are_in_the_users_language(sms_outbox):
    user = UserFactory(language="zh-hans")
    client = sign_in(user, BrowserTab(HTTP_ACCEPT_LANGUAGE="zh-CN"))
    page = client.get("/phone/")
    assert "绑定手机前请了解" in text(page)
    response = start(client, "010 6552 9988")
    assert "该号码无法接收短信" in text(response)
    assert "请使用手机号码" in text(response)
    start(client, "13812345678")
    assert "验证码" in sms_outbox[0].body
    wrong = client.post("/phone/confirm/", {"code": "abc"})
    assert "验证码为短信中的 6 位数字。" in text(wrong)


def test_tries_left_shown_after_a_wrong_code(user, sms_outbox, other_code):
    client = sign_in(user)
    start(client, "13812345678")
    assert "tries left" not in text(client.get("/phone/confirm/"))
    client.post("/phone/confirm/", {"code": other_code(code_in(sms_outbox[0]))})
    client.post("/phone/resend/")  # too early: refused, but the page still counts the failure
    assert "4 tries left." in text(client.get("/phone/confirm/"))


def test_with_two_step_on_a_fresh_second_factor_is_enough(user, sms_outbox):
    from django.utils import timezone

    from security.reauth import FRESH_KEY, FRESH_METHOD_KEY

    client = sign_in(user)
    user.two_step_enabled = True
    user.save()
    session = client.session
    session[FRESH_KEY] = timezone.now().isoformat()
    session[FRESH_METHOD_KEY] = "totp"
    session.save()
    assert start(client, "13812345678").status_code == 302
    assert len(sms_outbox) == 1


def test_the_cooldown_holds_per_number_whichever_account_asks(user, sms_outbox):
    other = UserFactory()
    with time_machine.travel("2026-05-01 08:00:00Z", tick=False) as clock:
        start(sign_in(user), "13812345678")
        clock.shift(20)
        refused = start(sign_in(other), "138 1234 5678")
        assert refused.status_code == 400
        assert "A code was sent to this phone number just now. You can ask for a new one in 40 seconds" in text(
            refused
        )
        assert len(sms_outbox) == 1
        clock.shift(40)
        assert start(sign_in(other), "13812345678").status_code == 302
        assert len(sms_outbox) == 2


def test_dev_outbox_is_translated(user, settings):
    from security.sms import console
    from tests.test_pages import untranslated_words

    console.RECENT.clear()  # messages of earlier tests (user ids start again at 1)
    settings.DEBUG = True
    client = sign_in(user, BrowserTab(HTTP_ACCEPT_LANGUAGE="zh-CN"))
    page = client.get("/phone/dev/outbox/")
    assert page.status_code == 200
    assert "短信发件箱" in text(page)
    assert untranslated_words(text(page), user.email) == {"debug"}  # the setting's name
