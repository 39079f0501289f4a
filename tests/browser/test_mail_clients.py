"""In Chromium: create an app password named for an iPhone, see the iPhone guide open with this service's values,
then download a configuration profile from the page as a user would; the app password inside it signs in to the
test Dovecot (same database file as the live server) for IMAP and SMTP, and only once is a profile served."""

import plistlib
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from security.app_passwords.models import AppPassword
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.mailserver


def sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/account/sign-in/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    expect(page).to_have_url(re.compile(r"/$"))


def confirm_if_asked(page):
    if "/confirm/" in page.url:  # the reauth page, if the sign-in was not fresh enough
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit].primary")


def test_guide_and_profile_download(page, live_server, dovecot, settings):
    settings.PORTAL_MAIL_IMAP_HOST = "imap.browser.test"
    settings.PORTAL_MAIL_SMTP_HOST = "smtp.browser.test"
    user = UserFactory(language="zh-hans", email="browser.user@example.com")
    sign_in(page, live_server, user)

    page.goto(f"{live_server.url}/app-passwords/new/")
    confirm_if_asked(page)
    page.fill("input[name=name]", "我的 iPhone")
    page.check("input[name=scope][value=all]")
    page.click('[data-testid="app-password-create"]')
    apple = page.get_by_test_id("guide-apple")
    expect(apple).to_have_attribute("open", "")
    expect(page.get_by_test_id("guide-outlook")).not_to_have_attribute("open", "")
    expect(apple.get_by_test_id("guide-imap").locator("[data-value=host]")).to_have_text("imap.browser.test")
    expect(apple.get_by_test_id("guide-smtp").locator("[data-value=security]")).to_have_text("已开启")

    apple.get_by_test_id("apple-profile-link").click()
    confirm_if_asked(page)
    expect(page.get_by_test_id("profile-unsigned")).to_contain_text("未验证")
    page.fill("input[name=name]", "Lin 的 iPhone")
    with page.expect_download() as download_info:
        page.get_by_test_id("apple-profile-download").click()
    download = download_info.value
    assert download.suggested_filename == "example.com-mail.mobileconfig"
    profile = plistlib.loads(Path(download.path()).read_bytes())
    [payload] = profile["PayloadContent"]
    assert payload["PayloadType"] == "com.apple.mail.managed"
    assert payload["IncomingMailServerHostName"] == "imap.browser.test"
    assert payload["EmailAddress"] == user.email
    assert dovecot.auth_test(payload["IncomingMailServerUsername"], payload["IncomingPassword"], service="imap")
    assert dovecot.auth_test(payload["OutgoingMailServerUsername"], payload["OutgoingPassword"], service="submission")
    assert AppPassword.objects.filter(user=user, name="Lin 的 iPhone").count() == 1

    # The button works once: a second click on the same form sends nothing and makes nothing.
    expect(page.get_by_test_id("apple-profile-download")).to_be_disabled()
    page.goto(f"{live_server.url}/app-passwords/")
    expect(page.get_by_test_id("app-password-row").filter(has_text="Lin 的 iPhone")).to_be_visible()
    assert payload["IncomingPassword"] not in page.content()
