"""Trusted devices in Chromium: trust this browser, sign out and back in without a code, revoke it from a second
browser, and get asked for a code again in the first."""

import re
import subprocess

from playwright.sync_api import expect

from security.client import SYSTEM
from security.trusted_devices.models import TrustedDevice
from security.two_factor import crypto
from security.two_factor.services import authenticator_enroll
from tests.factories import PASSWORD, UserFactory

KEY = b"browser-test-key-160"  # 20 bytes


def oathtool_code() -> str:
    secret = crypto.totp_secret_base32(KEY)
    return subprocess.run(
        ["oathtool", "--totp", "-b", secret], capture_output=True, text=True, check=True
    ).stdout.strip()


def password_step(page, base, address):
    page.goto(f"{base}/account/sign-in/")
    page.locator("input[name=username]").fill(address)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button.primary").click()


def test_trust_sign_in_without_code_revoke_from_elsewhere(browser, live_server, transactional_db):
    import time

    user = UserFactory(email="chen.jie@example.com", language="")
    step = int(time.time()) // 30
    result = authenticator_enroll(user=user, secret=KEY, code=crypto.totp_code(KEY, step - 1), client=SYSTEM)
    base = live_server.url

    first = browser.new_context(locale="zh-CN")
    page = first.new_page()
    password_step(page, base, user.email)
    expect(page).to_have_url(re.compile(r"/two-step/verify/"))
    page.locator("input[name=code]").fill(oathtool_code())
    page.get_by_test_id("trust-device").check()
    page.get_by_test_id("verify-submit").click()
    expect(page.locator("[data-card=trusted-devices] [data-testid=trusted-device-count]")).to_contain_text("1")
    cookie = next(c for c in first.cookies() if c["name"] == "trusted_device")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    # Sign out and back in: the password is enough in this browser.
    page.get_by_test_id("sign-out").click()
    password_step(page, base, user.email)
    expect(page.locator("h1")).to_have_text("安全概览")

    # A second browser (no trust, so it uses a recovery code) revokes the first one.
    second = browser.new_context(locale="zh-CN")
    other = second.new_page()
    password_step(other, base, user.email)
    other.get_by_test_id("method-recovery").click()
    other.locator("input[name=code]").fill(result.recovery_codes[0])
    other.get_by_test_id("verify-submit").click()
    other.get_by_test_id("trusted-devices-manage").click()
    expect(other.locator("[data-testid=this-device]")).to_have_count(0)
    other.get_by_test_id("revoke-device").click()
    expect(other.get_by_test_id("consequences")).to_contain_text("下次登录时需要输入验证码")
    other.get_by_test_id("confirm-destroy").click()
    expect(other.get_by_test_id("no-trusted-devices")).to_be_visible()
    assert not TrustedDevice.objects.filter(user=user).exists()

    # The first browser is asked for a code again, and its dead cookie is cleared.
    page.get_by_test_id("sign-out").click()
    password_step(page, base, user.email)
    expect(page).to_have_url(re.compile(r"/two-step/verify/"))
    assert not any(c["name"] == "trusted_device" for c in first.cookies())
    first.close()
    second.close()
