"""In Chromium, in both languages: "Forgot password?" → the code e-mailed to the confirmed alert address → a new
password → every session signed out, and the old app password refused by the real Dovecot."""

import re
import time

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from security.models import NotificationAddress
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.mailserver

ALERT = "alert.box@elsewhere.example"
FRESH = "Quiet-Harbor-Lantern-27"
WORDS = {
    "zh-CN": {"forgot": "忘记密码？", "sent": "如果", "done": "您的密码已重设"},
    "en-US": {"forgot": "Forgot password?", "sent": "If ", "done": "Your password was reset"},
}


def mailed_code(timeout=10.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in reversed(mail.outbox):
            if ALERT in message.to:
                return re.search(r"\b(\d{6})\b", message.body).group(1)
        time.sleep(0.1)
    raise AssertionError("no recovery code mailed to the alert address")


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_forgot_password_journey(browser, live_server, dovecot, make_app_password, locale):
    words = WORDS[locale]
    user = UserFactory()
    NotificationAddress.objects.create(user=user, address=ALERT, verified_at=timezone.now())
    app_password = make_app_password(user, scope="smtp")
    assert dovecot.auth_test(user.email, app_password.secret, service="smtp")
    elsewhere = Client()
    assert elsewhere.post("/account/sign-in/", {"username": user.email, "password": PASSWORD}).status_code == 302
    mail.outbox.clear()

    context = browser.new_context(locale=locale)
    page = context.new_page()
    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_role("link", name=words["forgot"]).click()
    expect(page).to_have_url(re.compile(r"/account/recovery/$"))
    page.fill("input[name=username]", user.email)
    page.check("input[name=channel][value=email]")
    page.click("button[type=submit].primary")
    expect(page).to_have_url(re.compile(r"/account/recovery/code/$"))
    expect(page.locator("main")).to_contain_text(words["sent"])

    assert [message.to for message in mail.outbox] == [[ALERT]]  # never the mailbox the user cannot open
    page.fill("input[name=code]", mailed_code())
    page.click("button[type=submit].primary")
    expect(page).to_have_url(re.compile(r"/account/recovery/password/$"))
    page.fill("input[name=new_password]", FRESH)
    page.fill("input[name=new_password_again]", FRESH)
    page.click("button[type=submit].primary")
    expect(page).to_have_url(re.compile(r"/account/sign-in/$"))
    expect(page.locator("main")).to_contain_text(words["done"])

    # Signed out everywhere, the app password revoked at the mail server, the new password works.
    assert elsewhere.get("/activity/").status_code == 302
    assert not dovecot.auth_test(user.email, app_password.secret, service="smtp")
    assert not dovecot.auth_test(user.email, PASSWORD, service="smtp")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", FRESH)
    page.click("button[type=submit].primary")
    expect(page).to_have_url(re.compile(r"/$"))
    context.close()
