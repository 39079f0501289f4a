"""SMS in the two-step settings, in Chromium (issue 13): the two-step page lists SMS with what it is for; the user
stops using it for sign-in; the next sign-in no longer offers it, and the phone is still bound."""

import re

from django.utils import timezone
from playwright.sync_api import expect

from security.client import SYSTEM
from security.phone.models import PhoneBinding
from security.two_factor.services import authenticator_enroll
from tests.browser.test_two_step import sign_in_password, sign_out
from tests.factories import UserFactory
from tests.two_factor.otp import FIXED_KEY, code_at, current_step


def _second_step(page):
    page.locator("input[name=code]").fill(code_at(current_step()))
    page.get_by_test_id("verify-submit").click()


def test_stop_using_sms_for_sign_in(page, live_server, transactional_db):
    user = UserFactory(email="li.na@example.com", language="")
    authenticator_enroll(user=user, secret=FIXED_KEY, code=code_at(current_step() - 1), client=SYSTEM)
    PhoneBinding.objects.create(user=user, number="+8613812345678", bound_at=timezone.now())
    base = live_server.url

    sign_in_password(page, base, user.email)
    expect(page.get_by_test_id("method-sms")).to_be_visible()
    _second_step(page)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_test_id("card-sms")).to_be_visible()

    page.goto(f"{base}/two-step/")
    section = page.locator("[data-factor=sms]")
    expect(section).to_contain_text("短信不如身份验证器应用安全")
    section.get_by_test_id("sms-sign-in-stop").click()
    expect(page).to_have_url(re.compile(r"/two-step/$"))
    expect(page.get_by_test_id("sms-sign-in-status")).to_contain_text("登录时不使用")
    expect(page.get_by_test_id("sms-sign-in-resume")).to_be_visible()

    sign_out(page)
    sign_in_password(page, base, user.email)
    expect(page).to_have_url(re.compile(r"/two-step/verify/$"))
    expect(page.get_by_test_id("method-recovery")).to_be_visible()
    expect(page.get_by_test_id("method-sms")).to_have_count(0)
    assert PhoneBinding.objects.filter(user=user).exists()
