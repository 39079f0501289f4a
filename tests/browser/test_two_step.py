"""Two-step verification in Chromium: turn it on by decoding the QR code on the page with a real decoder
(zbarimg), compute the code with an independent implementation (oathtool), sign out, sign in again through the
second step, and use a recovery code once."""

import re
import subprocess
import time
from urllib.parse import parse_qs, unquote, urlparse

from playwright.sync_api import expect

from accounts.models import User
from security.two_factor.models import AuthenticatorDevice
from tests.factories import PASSWORD, UserFactory


def oathtool_code(secret_base32: str) -> str:
    result = subprocess.run(
        ["oathtool", "--totp", "-b", "--digits=6", secret_base32], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def sign_in_password(page, base_url: str, address: str) -> None:
    page.goto(f"{base_url}/account/sign-in/")
    page.locator("input[name=username]").fill(address)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button.primary").click()


def sign_out(page) -> None:
    page.get_by_test_id("sign-out").click()
    expect(page).to_have_url(re.compile(r"/account/sign-in/"))


def test_turn_on_with_the_qr_code_then_sign_in_with_a_code_and_a_recovery_code(
    page, live_server, transactional_db, tmp_path
):
    user = UserFactory(email="wang.fang@example.com", language="")
    base = live_server.url

    # Turn on from the overview (fresh password sign-in counts as the "password again" for 10 minutes).
    sign_in_password(page, base, user.email)
    expect(page.locator("[data-card=two-step] .status")).to_have_text("未开启")
    page.get_by_test_id("two-step-manage").click()
    page.get_by_test_id("two-step-setup").click()
    expect(page).to_have_url(re.compile(r"/two-step/setup/$"))

    # Decode the QR code as drawn by the browser.
    qr = page.get_by_test_id("totp-qr").locator("svg")
    box = qr.bounding_box()
    assert box["width"] >= 150 and box["height"] >= 150
    shot = tmp_path / "qr.png"
    qr.screenshot(path=shot)
    decoded = subprocess.run(["zbarimg", "--raw", "-q", str(shot)], capture_output=True, text=True, check=True)
    uri = decoded.stdout.strip()
    parsed = urlparse(uri)
    assert parsed.scheme == "otpauth" and parsed.netloc == "totp"
    assert unquote(parsed.path).endswith(":wang.fang@example.com")
    params = parse_qs(parsed.query)
    secret = params["secret"][0]
    assert "=" not in secret and len(secret) == 32
    assert params["issuer"] and unquote(parsed.path)[1:].startswith(params["issuer"][0] + ":")
    # The text version matches the QR code.
    assert page.get_by_test_id("totp-secret").inner_text().replace(" ", "") == secret
    assert secret not in page.url

    page.locator("input[name=code]").fill(oathtool_code(secret))
    page.get_by_test_id("totp-confirm").click()

    expect(page).to_have_url(re.compile(r"/two-step/recovery-codes/$"))
    codes = [c.strip() for c in page.get_by_test_id("recovery-codes").locator("code").all_inner_texts()]
    assert len(codes) == 10
    page.screenshot(path=tmp_path / "recovery-codes-zh.png", full_page=True)
    page.get_by_test_id("recovery-done").click()
    assert User.objects.get(pk=user.pk).two_step_enabled

    # Sign out; sign in again with a recovery code (once).
    sign_out(page)
    sign_in_password(page, base, user.email)
    expect(page).to_have_url(re.compile(r"/two-step/verify/"))
    page.get_by_test_id("method-recovery").click()
    page.locator("input[name=code]").fill(codes[0])
    page.get_by_test_id("verify-submit").click()
    expect(page.locator("[data-card=two-step] .status")).to_have_text("已开启")

    # The same recovery code does not work a second time.
    sign_out(page)
    sign_in_password(page, base, user.email)
    page.get_by_test_id("method-recovery").click()
    page.locator("input[name=code]").fill(codes[0])
    page.get_by_test_id("verify-submit").click()
    expect(page.locator(".field .error")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/two-step/verify/"))

    # Sign in with the authenticator code: wait for a step after the one used to confirm (never twice).
    last_step = AuthenticatorDevice.objects.get(user=user).last_t
    while int(time.time()) // 30 <= last_step:
        time.sleep(0.5)
    page.goto(f"{base}/two-step/verify/")
    page.locator("input[name=code]").fill(oathtool_code(secret))
    page.get_by_test_id("verify-submit").click()
    expect(page.locator("h1")).to_have_text("安全概览")
    expect(page.locator("[data-card=two-step] .status")).to_have_text("已开启")

