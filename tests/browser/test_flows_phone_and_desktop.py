"""Issue 13 in Chromium, on a 390×844 phone and a 1280×800 desktop, in Chinese and English: the confirmation
pages before destroying, the second step naming the account, the resend countdown on the button, the
"add to authenticator app" link, the recovery-code sheet, the activity filter and "this wasn't me", labelled
table cells and app-password groups that never wrap. Screenshots of each page go to
test-artifacts/screenshots/ux-flows/ (gitignored), kept as the run's artefacts: not under test-results/, which
pytest-playwright empties at the start of every pytest run."""

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from security.app_passwords.models import AppPassword
from security.app_passwords.services import app_password_create
from security.client import SYSTEM
from security.phone.models import PhoneBinding
from security.sms import test as test_gateway
from security.two_factor import crypto
from security.two_factor.services import authenticator_enroll
from tests.factories import PASSWORD, UserFactory
from tests.phone.factories import PhoneBindingFactory

KEY = b"ux-flows-browser-key"  # 20 bytes
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots" / "ux-flows"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
LOCALES = {"zh": "zh-CN", "en": "en-US"}
WORDS = {
    "zh": {
        "signing_in_as": "正在登录",
        "stops_sending": "将无法再发送邮件",
        "resend": re.compile(r"^\d+ 秒后重新获取$"),
        "resend_ready": "重新获取验证码",
        "device_asked": "下次登录时需要输入验证码",
        "signed_out": "将退出登录",
        "kind_error": "没有这种活动类型",
        "label_name": "名称",
    },
    "en": {
        "signing_in_as": "Signing in as",
        "stops_sending": "will stop sending mail",
        "resend": re.compile(r"^Resend in \d+ s$"),
        "resend_ready": "Send a new code",
        "device_asked": "will be asked for a code at",
        "signed_out": "is signed out and must sign in again",
        "kind_error": "There is no such kind of activity",
        "label_name": "Name",
    },
}


def shot(page, name: str, lang: str, size: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{lang}-{size}.png"), full_page=True)


def current_code() -> str:
    return crypto.totp_code(KEY, int(time.time()) // 30)


def user_with_everything(address: str):
    user = UserFactory(email=address, language="")
    step = int(time.time()) // 30
    result = authenticator_enroll(user=user, secret=KEY, code=crypto.totp_code(KEY, step - 1), client=SYSTEM)
    user.recovery_codes = result.recovery_codes
    app_password_create(user=user, name="Outlook on my laptop", scope="smtp", actor=None, client=SYSTEM)
    PhoneBindingFactory(user=user, number="+8613912345678")
    return user


def sign_in(page, base, user, *, trust: bool, lang: str, size: str, recovery_code: str = ""):
    page.goto(f"{base}/account/sign-in/")
    page.locator("input[name=username]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button.primary").click()
    expect(page).to_have_url(re.compile(r"/two-step/verify/"))
    expect(page.get_by_test_id("signing-in-as")).to_contain_text(WORDS[lang]["signing_in_as"])
    expect(page.get_by_test_id("signing-in-as")).to_contain_text(user.email)
    shot(page, "second-step", lang, size)
    if recovery_code:  # one TOTP code signs in once: a second browser in the same 30 s uses a recovery code
        page.get_by_test_id("method-recovery").click()
    page.locator("input[name=code]").fill(recovery_code or current_code())
    if trust:
        page.get_by_test_id("trust-device").check()
    page.get_by_test_id("verify-submit").click()
    expect(page).to_have_url(f"{base}/")


@pytest.mark.parametrize("lang", LOCALES)
@pytest.mark.parametrize("size", VIEWPORTS)
def test_ux_flows(browser, live_server, transactional_db, lang, size):
    words = WORDS[lang]
    test_gateway.outbox_clear()
    user = user_with_everything(f"li.na.{lang}.{size}@example.com")
    base = live_server.url
    # A second browser signed in, so "sign out everywhere else" has something to end.
    elsewhere = browser.new_context(locale=LOCALES[lang], viewport=VIEWPORTS["desktop"])
    sign_in(
        elsewhere.new_page(), base, user, trust=False, lang=lang, size="elsewhere", recovery_code=user.recovery_codes[0]
    )
    context = browser.new_context(locale=LOCALES[lang], viewport=VIEWPORTS[size], has_touch=size == "phone")
    page = context.new_page()
    sign_in(page, base, user, trust=True, lang=lang, size=size)

    # App passwords: labelled cells on the phone, then revoke one through its confirmation page.
    page.goto(f"{base}/app-passwords/")
    label = page.evaluate(
        "getComputedStyle(document.querySelector('td.app-password-name'), '::before').content"
    )
    if size == "phone":
        assert words["label_name"] in label, label
    else:
        assert label in ("none", "normal"), label
    shot(page, "app-passwords", lang, size)
    page.get_by_test_id("app-password-revoke").first.click()
    expect(page.get_by_test_id("consequences")).to_contain_text("Outlook on my laptop")
    expect(page.get_by_test_id("consequences")).to_contain_text(words["stops_sending"])
    destroy = page.get_by_test_id("confirm-destroy")
    colours = destroy.evaluate("b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color]")
    assert colours == ["rgb(207, 34, 46)", "rgb(255, 255, 255)"], colours
    shot(page, "confirm-revoke-app-password", lang, size)
    destroy.click()
    expect(page).to_have_url(f"{base}/app-passwords/")
    assert not AppPassword.objects.filter(user=user).active().exists()

    # A new app password: on the phone no five-letter group breaks across lines.
    page.get_by_test_id("app-password-new").click()
    page.fill("input[name=name]", "iPhone 邮件")
    page.check("input[name=scope][value=all]")
    page.get_by_test_id("app-password-create").click()
    groups = page.locator("#app-password-secret .group")
    expect(groups).to_have_count(5)
    assert all(line == 1 for line in groups.evaluate_all("gs => gs.map(g => g.getClientRects().length)"))
    heights = groups.evaluate_all("gs => gs.map(g => Math.round(g.getBoundingClientRect().height))")
    assert max(heights) < 2 * min(heights), heights
    mail_label = page.evaluate(
        "getComputedStyle(document.querySelector('.mail-settings td[data-label]'), '::before').content"
    )
    assert (size == "phone") == (mail_label not in ("none", "normal")), mail_label
    shot(page, "app-password-created", lang, size)

    # Trusted devices: "forget all" asks first; cancel keeps them.
    page.goto(f"{base}/devices/")
    shot(page, "trusted-devices", lang, size)
    page.get_by_test_id("revoke-all-devices").click()
    expect(page.get_by_test_id("consequences")).to_contain_text(words["device_asked"])
    shot(page, "confirm-forget-devices", lang, size)
    page.get_by_test_id("confirm-cancel").click()
    expect(page).to_have_url(f"{base}/devices/")

    # Sessions: "sign out everywhere else" names the other browser, and ends it only when confirmed.
    page.goto(f"{base}/devices/sessions/")
    shot(page, "sessions", lang, size)
    page.get_by_test_id("end-other-sessions").click()
    expect(page.get_by_test_id("consequences")).to_contain_text(words["signed_out"])
    shot(page, "confirm-sign-out-elsewhere", lang, size)
    page.get_by_test_id("confirm-destroy").click()
    expect(page).to_have_url(f"{base}/devices/sessions/")
    other = elsewhere.pages[0]
    other.goto(f"{base}/")
    expect(other).to_have_url(re.compile(r"/account/sign-in/"))
    elsewhere.close()

    # The phone: removing asks first; binding another number counts the resend down on the button.
    page.goto(f"{base}/phone/")
    page.get_by_test_id("remove-phone").click()
    expect(page.get_by_test_id("consequences")).to_be_visible()
    shot(page, "confirm-remove-phone", lang, size)
    page.get_by_test_id("confirm-cancel").click()
    assert PhoneBinding.objects.filter(user=user).exists()
    number = "138 1234 56" + {"zh": "7", "en": "8"}[lang] + {"phone": "1", "desktop": "2"}[size]
    page.fill("input[name=number]", number)
    page.get_by_test_id("send-code").click()
    expect(page).to_have_url(f"{base}/phone/confirm/")
    resend = page.get_by_test_id("resend-code")
    expect(resend).to_have_text(words["resend"])
    expect(resend).to_be_disabled()
    expect(page.get_by_test_id("resend-wait")).to_be_hidden()
    shot(page, "resend-countdown", lang, size)

    # Replacing the authenticator app: the otpauth link shows on the phone only.
    page.goto(f"{base}/two-step/setup/")
    link = page.get_by_test_id("totp-add-link")
    assert link.get_attribute("href").startswith("otpauth://totp/")
    if size == "phone":
        expect(link).to_be_visible()
    else:
        expect(link).to_be_hidden()
    expect(page.locator("main")).to_contain_text("腾讯身份验证器")
    shot(page, "authenticator-setup", lang, size)

    # New recovery codes: site name and date on the sheet, and "copy all".
    page.goto(f"{base}/two-step/recovery-codes/")
    page.locator("form[action$='/regenerate/'] button").click()
    expect(page.get_by_test_id("recovery-sheet-header")).to_contain_text(user.email)
    expect(page.get_by_test_id("recovery-copy")).to_be_visible()
    shot(page, "recovery-codes", lang, size)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page.get_by_test_id("recovery-copy").click()
    copied = page.evaluate("navigator.clipboard.readText()").split()
    shown = page.locator("#recovery-codes code").all_inner_texts()
    assert copied == shown and len(shown) >= 8, (copied, shown)
    page.get_by_test_id("recovery-done").click()

    # Activity: a filter, a clear error for a bad one, and "this wasn't me" leading to the password change.
    page.goto(f"{base}/activity/")
    page.select_option("select[name=kind]", "app_passwords")
    page.locator("[data-testid=activity-filter] button").click()
    expect(page).to_have_url(re.compile(r"kind=app_passwords"))
    expect(page.locator(".events")).to_contain_text("Outlook on my laptop")
    shot(page, "activity-filtered", lang, size)
    response = page.goto(f"{base}/activity/?kind=nonsense")
    assert response.status == 400
    expect(page.get_by_test_id("kind-error")).to_contain_text(words["kind_error"])
    page.get_by_test_id("not-me-action").click()
    expect(page).to_have_url(re.compile(r"/account/password/\?secure=1"))
    expect(page.get_by_test_id("password-change-effects")).to_be_visible()
    shot(page, "secure-your-account", lang, size)
    context.close()


def test_resend_without_javascript_says_how_long_to_wait(browser, live_server, transactional_db):
    test_gateway.outbox_clear()
    user = UserFactory(email="no.script@example.com", language="")
    context = browser.new_context(locale="zh-CN", viewport=VIEWPORTS["phone"], java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/account/sign-in/")
    page.locator("input[name=username]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button.primary").click()
    page.goto(f"{live_server.url}/phone/")
    page.fill("input[name=number]", "138 1234 5600")
    page.get_by_test_id("send-code").click()
    resend = page.get_by_test_id("resend-code")
    expect(resend).to_be_enabled()
    expect(resend).to_have_text("重新获取验证码")
    expect(page.get_by_test_id("resend-wait")).to_contain_text("秒后可以重新获取验证码")
    shot(page, "resend-no-script", "zh", "phone")
    resend.click()  # too early: the server says so, in seconds
    expect(page.locator(".messages")).to_contain_text("秒后再重新获取")
    context.close()
