"""In Chromium: sign in, create an app password, read it off the page as a user would, use it over SMTP through
the test Dovecot (same database file as the live server), revoke it in the browser, and see SMTP refuse it."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, UserFactory
from tests.servers.smtp_client import smtp_auth, smtp_send

pytestmark = pytest.mark.mailserver


def sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/account/sign-in/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    expect(page).to_have_url(re.compile(r"/$"))


def test_create_copy_use_revoke(page, live_server, dovecot, smtp_sink):
    user = UserFactory(language="zh-hans")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    sign_in(page, live_server, user)

    page.click('[data-card="app-passwords"] a.button')
    page.click('[data-testid="app-password-new"]')
    if "/confirm/" in page.url:  # the reauth page, if the sign-in was not fresh enough
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit].primary")
    page.fill("input[name=name]", "Foxmail 📱")
    page.check("input[name=scope][value=smtp]")
    page.click('[data-testid="app-password-create"]')

    secret_box = page.get_by_test_id("app-password-secret")
    expect(secret_box).to_be_visible()
    # 1. Select the text, as a user dragging over it would (a single click selects it all: user-select: all).
    secret_box.click()
    selected = page.evaluate("window.getSelection().toString()")
    # 2. The copy button, then read the clipboard.
    page.get_by_test_id("app-password-copy").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert selected == copied
    assert re.fullmatch(r"[a-z]{25}", copied), copied
    expect(page.get_by_test_id("mail-setting-smtp")).to_be_visible()

    assert smtp_auth(dovecot.submission_port, user.email, copied) == 235
    before = len(smtp_sink.messages)
    smtp_send(
        dovecot.submission_port, user.email, copied, to="friend@example.net", subject="from the browser test"
    )
    assert len(smtp_sink.messages) == before + 1

    page.click("a.button[href='/app-passwords/']")
    row = page.get_by_test_id("app-password-row").filter(has_text="Foxmail 📱")
    expect(row.get_by_test_id("app-password-status")).to_have_text("有效")
    row.get_by_test_id("app-password-revoke").click()
    expect(page.get_by_test_id("consequences")).to_contain_text("“Foxmail 📱”将无法再")
    page.get_by_test_id("confirm-destroy").click()
    expect(
        page.get_by_test_id("app-password-row")
        .filter(has_text="Foxmail 📱")
        .get_by_test_id("app-password-status")
    ).to_have_text("已撤销")

    assert smtp_auth(dovecot.submission_port, user.email, copied) == 535
    # The secret was shown once: it is nowhere on the list page.
    assert copied not in page.content()
