"""The first journey: sign in, see the overview in Chinese, switch to English, sign out."""

import re

from playwright.sync_api import expect

from tests.factories import PASSWORD, UserFactory


def test_sign_in_chinese_overview_switch_to_english_and_sign_out(page, live_server, transactional_db, tmp_path):
    user = UserFactory(email="zhang.wei@example.com", language="")

    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/account/sign-in/"))
    expect(page.locator("h1")).to_have_text("登录")  # the browser asks for zh-CN

    page.get_by_label("邮箱地址").fill("Zhang.Wei@Example.com")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="下一步").click()

    expect(page.locator("h1")).to_have_text("安全概览")
    expect(page.locator("[data-card=two-step] .status")).to_have_text("未开启")
    page.screenshot(path=tmp_path / "overview-zh.png", full_page=True)

    page.get_by_role("button", name="English").click()
    expect(page.locator("h1")).to_have_text("Security overview")
    # The choice is remembered: a new page load stays in English, and so does the account (for e-mails).
    page.goto(f"{live_server.url}/activity/")
    expect(page.locator("h1")).to_have_text("Security activity")
    user.refresh_from_db()
    assert user.language == "en"

    page.get_by_test_id("sign-out").click()
    expect(page.locator("h1")).to_have_text("Sign in")
    expect(page.locator(".message")).to_have_text("You have signed out.")
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/account/sign-in/"))


def test_overview_is_usable_on_a_phone(browser, live_server, transactional_db, tmp_path):
    UserFactory(email="li.na@example.com")
    context = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("邮箱地址").fill("li.na@example.com")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="下一步").click()
    expect(page.locator("h1")).to_have_text("安全概览")
    # Nothing is wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=tmp_path / "overview-phone-zh.png", full_page=True)
    context.close()
