"""Chromium binds a phone: reads the code from the test gateway's outbox and sees the masked number."""

import re

from playwright.sync_api import expect

from security.phone.models import PhoneBinding
from security.sms import test as test_gateway
from tests.factories import PASSWORD, UserFactory


def test_bind_a_phone_in_chromium(page, live_server, transactional_db):
    test_gateway.outbox_clear()
    user = UserFactory(language="zh-hans")
    page.goto(f"{live_server.url}/account/sign-in/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    expect(page).to_have_url(f"{live_server.url}/")

    page.click("section[data-card=phone] a.button")
    expect(page.get_by_test_id("sms-risk-notice")).to_be_visible()
    page.fill("input[name=number]", "138 1234 5678")
    page.get_by_test_id("send-code").click()
    expect(page).to_have_url(f"{live_server.url}/phone/confirm/")

    # the countdown runs (JavaScript) and the resend button waits for its cooldown
    expect(page.locator(".countdown-left")).to_have_text(re.compile(r"\d:\d\d"))
    expect(page.get_by_test_id("resend-code")).to_be_disabled()

    [message] = test_gateway.messages_to("+8613812345678")
    code = re.search(r"\b(\d{6})\b", message.body).group(1)
    assert "验证码" in message.body
    page.fill("input[name=code]", code)
    page.get_by_test_id("confirm-code").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("masked-phone")).to_have_text("+86 138****5678")
    assert str(PhoneBinding.objects.get(user=user).number) == "+8613812345678"
    test_gateway.outbox_clear()
