"""Issue 7 in Chromium: a helpdesk user signs in to the admin through the second step, finds a user, resets
their two-step verification with a reason, and the user sees it, with the reason, on their activity page."""

import re

from playwright.sync_api import expect

from accounts.models import User
from security.client import SYSTEM
from security.two_factor.services import authenticator_enroll
from tests.factories import PASSWORD, UserFactory
from tests.helpdesk.conftest import helpdesk_group
from tests.two_factor.otp import code_at, current_step

STAFF_KEY = b"staff-key-0123456789"
USER_KEY = b"user-key-01234567890"
REASON = "Phone lost; identity checked by video call (ticket 5521)"


def enroll(user, key):
    authenticator_enroll(user=user, secret=key, code=code_at(current_step() - 1, key), client=SYSTEM)


def test_helpdesk_resets_two_step_and_the_user_sees_why(browser, live_server, transactional_db):
    staff = UserFactory(email="helpdesk@example.com", is_staff=True)
    staff.groups.add(helpdesk_group())
    enroll(staff, STAFF_KEY)
    user = UserFactory(email="zhao.lei@example.com", full_name="Zhao Lei")
    enroll(user, USER_KEY)

    helpdesk = browser.new_context(locale="en-US").new_page()
    helpdesk.goto(f"{live_server.url}/admin/")
    expect(helpdesk).to_have_url(re.compile(r"/account/sign-in/"))
    helpdesk.locator("input[name=username]").fill(staff.email)
    helpdesk.locator("input[name=password]").fill(PASSWORD)
    helpdesk.locator("main button.primary").click()
    expect(helpdesk).to_have_url(re.compile(r"/two-step/verify/"))
    helpdesk.locator("input[name=code]").fill(code_at(current_step(), STAFF_KEY))
    helpdesk.get_by_test_id("verify-submit").click()
    expect(helpdesk.locator("#site-name")).to_be_visible()

    helpdesk.goto(f"{live_server.url}/admin/accounts/user/")
    helpdesk.locator("#searchbar").fill("zhao")
    helpdesk.locator("#changelist-search input[type=submit]").click()
    helpdesk.get_by_role("link", name="zhao.lei@example.com").click()
    expect(helpdesk.locator("#security-state")).to_contain_text("On")
    helpdesk.get_by_role("link", name="Reset two-step verification").click()
    helpdesk.locator("textarea[name=reason]").fill(REASON)
    helpdesk.locator("input[type=submit]").click()
    expect(helpdesk.locator(".messagelist")).to_contain_text("Reset two-step verification")
    assert not User.objects.get(pk=user.pk).two_step_enabled

    person = browser.new_context(locale="zh-CN").new_page()
    person.goto(f"{live_server.url}/account/sign-in/")
    person.locator("input[name=username]").fill(user.email)
    person.locator("input[name=password]").fill(PASSWORD)
    person.locator("main button.primary").click()
    expect(person.locator("h1")).to_have_text("安全概览")  # no second step any more
    person.goto(f"{live_server.url}/activity/")
    reset_event = person.locator(".events li", has_text="已关闭两步验证")
    expect(reset_event).to_have_count(1)
    expect(reset_event).to_contain_text("服务台操作")
    expect(reset_event).to_contain_text(REASON)
