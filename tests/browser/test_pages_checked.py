"""Every page the journeys visit, in Chinese and in English, on a 1280×800 desktop and a 390×844 phone, checked by
axe-core in Chromium and by the Nu HTML checker: any finding in our markup fails (tests/browser/page_checks.py
lists the few in Django admin's own markup, each with its reason). Screenshots of every page go to
test-artifacts/pages/ (the path is printed), to look at.

The walk goes through the same states as the journeys: signed out, a form sent empty (errors under fields), a
phone being bound, an app password just shown, the second sign-in step, two-step on, and helpdesk in the admin."""

import re
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from security.client import SYSTEM
from security.models import NotificationAddress
from security.sms import test as test_gateway
from security.two_factor.services import authenticator_enroll
from tests.browser.page_checks import Findings, axe_check, missing_checkers, vnu_check
from tests.factories import PASSWORD, UserFactory
from tests.helpdesk.conftest import helpdesk_group
from tests.two_factor.otp import code_at, current_step

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
LANGUAGES = {"zh-CN": "zh", "en-US": "en"}
USER_KEY = b"walk-user-key-012345"
STAFF_KEY = b"walk-staff-key-01234"
ALERT = "walk.alert@elsewhere.example"
# Not test-results/: pytest-playwright empties that at the start of every pytest run, so the PostgreSQL and
# MariaDB passes of `make test` would delete them.
ARTEFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "pages"


class Walk:
    """Checks each page as it is reached: a screenshot and axe at both sizes, and its HTML as the server sent it
    (saved for one vnu run at the end)."""

    def __init__(self, context, base_url: str, folder: Path):
        self.context, self.base_url, self.folder = context, base_url, folder
        self.page = context.new_page()
        self.findings = Findings()
        self.saved: dict[Path, str] = {}
        self.axe_seconds = 0.0

    def check(self, name: str, response) -> None:
        page = self.page
        assert response is not None and (response.ok or response.status in (400, 429)), name
        path = re.sub(r"^https?://[^/]+", "", page.url)
        html_file = self.folder / f"{len(self.saved):02d}-{name}.html"
        html_file.write_text(response.text())
        self.saved[html_file] = path
        for size, viewport in VIEWPORTS.items():
            page.set_viewport_size(viewport)
            page.screenshot(path=self.folder / f"{len(self.saved) - 1:02d}-{name}-{size}.png", full_page=True)
            began = time.monotonic()
            self.findings.extend(axe_check(page, path=path, label=f"{name} ({size}, {path})"))
            self.axe_seconds += time.monotonic() - began
        page.set_viewport_size(VIEWPORTS["desktop"])

    def goto(self, name: str, path: str) -> None:
        self.check(name, self.page.goto(self.base_url + path))

    def submit(self, name: str, button) -> None:
        with self.page.expect_navigation() as navigation:
            button.click()
        self.check(name, navigation.value)


def sign_in(walk: Walk, user, name_prefix: str = "") -> None:
    page = walk.page
    page.goto(walk.base_url + "/account/sign-in/")
    page.locator("input[name=username]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation() as navigation:
        page.locator("main button.primary").click()
    if "/two-step/verify/" in page.url and name_prefix:
        walk.check(f"{name_prefix}verify", navigation.value)


def mailed_code(address: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in reversed(mail.outbox):
            if address in message.to:
                return re.search(r"\b(\d{6})\b", message.body).group(1)
        time.sleep(0.1)
    raise AssertionError(f"no code mailed to {address}")


def enroll(user, key):
    authenticator_enroll(user=user, secret=key, code=code_at(current_step() - 1, key), client=SYSTEM)


@pytest.mark.parametrize("locale", list(LANGUAGES))
def test_every_page_passes_axe_and_vnu(browser, live_server, transactional_db, make_app_password, locale):
    assert not missing_checkers(), f"page checkers missing (run scripts/install-page-checkers): {missing_checkers()}"
    language = LANGUAGES[locale]
    folder = ARTEFACTS / language
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    base = live_server.url
    began = time.monotonic()
    test_gateway.outbox_clear()

    person = UserFactory(email=f"walk.{language}@example.com", full_name="Walk Person", language="")
    make_app_password(person, scope="all", name="Thunderbird")
    NotificationAddress.objects.create(user=person, address=ALERT, verified_at=timezone.now())
    mail.outbox.clear()
    second = UserFactory(email=f"second.{language}@example.com", language="")
    enroll(second, USER_KEY)
    staff = UserFactory(email=f"helpdesk.{language}@example.com", is_staff=True, language="")
    staff.groups.add(helpdesk_group())
    enroll(staff, STAFF_KEY)

    context = browser.new_context(locale=locale, bypass_csp=True, viewport=VIEWPORTS["desktop"])
    walk = Walk(context, base, folder)
    page = walk.page

    # Signed out: sign-in and recovery, and their errors.
    walk.goto("sign-in", "/account/sign-in/")
    walk.submit("sign-in-errors", page.locator("main button.primary"))
    walk.goto("recovery", "/account/recovery/")
    walk.submit("recovery-errors", page.locator("main button[type=submit].primary"))
    page.fill("input[name=username]", person.email)
    page.check("input[name=channel][value=email]")
    walk.submit("recovery-code", page.locator("main button[type=submit].primary"))
    page.fill("input[name=code]", "12")
    walk.submit("recovery-code-error", page.locator("main button[type=submit].primary"))
    page.fill("input[name=code]", mailed_code(ALERT))
    walk.submit("recovery-password", page.locator("main button[type=submit].primary"))
    walk.submit("recovery-password-errors", page.locator("main button[type=submit].primary"))

    # Signed in, two-step off: every settings page, the forms' error states, binding a phone, a new app password.
    sign_in(walk, person)
    expect(page).to_have_url(re.compile(r"/$"))
    walk.goto("overview", "/")
    walk.goto("two-step-off", "/two-step/")
    walk.goto("two-step-setup", "/two-step/setup/")
    page.locator("input[name=code]").fill("000000")
    walk.submit("two-step-setup-error", page.get_by_test_id("totp-confirm"))
    walk.goto("phone", "/phone/")
    page.fill("input[name=number]", "138 1234 5678")
    walk.submit("phone-confirm", page.get_by_test_id("send-code"))
    [message] = test_gateway.messages_to("+8613812345678")
    page.fill("input[name=code]", re.search(r"\b(\d{6})\b", message.body).group(1))
    page.get_by_test_id("confirm-code").click()
    expect(page).to_have_url(f"{base}/")
    walk.goto("phone-bound", "/phone/")
    walk.goto("app-password-new", "/app-passwords/new/")
    walk.submit("app-password-new-errors", page.get_by_test_id("app-password-create"))
    page.fill("input[name=name]", "Outlook")
    page.check("input[name=scope][value=all]")
    walk.submit("app-password-created", page.get_by_test_id("app-password-create"))
    walk.goto("app-passwords", "/app-passwords/")
    walk.goto("mail-setup", "/mail-setup/")
    walk.goto("mail-setup-apple", "/mail-setup/apple/")
    walk.goto("devices", "/devices/")
    walk.goto("sessions", "/devices/sessions/")
    walk.goto("activity", "/activity/")
    walk.goto("password", "/account/password/")
    walk.submit("password-errors", page.locator("main button[type=submit].primary"))
    walk.goto("notifications", "/notifications/")
    walk.goto("confirm", "/confirm/?next=/")
    page.get_by_test_id("sign-out").click()

    # The second step, and two-step on.
    sign_in(walk, second, "second-step-")
    page.locator("input[name=code]").fill("000000")
    walk.submit("second-step-error", page.get_by_test_id("verify-submit"))
    walk.goto("second-step-recovery", "/two-step/verify/?method=recovery")
    walk.goto("second-step-totp", "/two-step/verify/?method=totp")
    page.locator("input[name=code]").fill(code_at(current_step(), USER_KEY))
    page.get_by_test_id("trust-device").check()
    walk.submit("overview-two-step-on", page.get_by_test_id("verify-submit"))
    walk.goto("two-step-on", "/two-step/")
    walk.goto("recovery-codes", "/two-step/recovery-codes/")
    walk.goto("two-step-disable", "/two-step/disable/")
    walk.goto("devices-trusted", "/devices/")
    page.get_by_test_id("sign-out").click()

    # Helpdesk in the admin (the staff member's own language).
    sign_in(walk, staff)
    page.locator("input[name=code]").fill(code_at(current_step(), STAFF_KEY))
    page.get_by_test_id("verify-submit").click()
    expect(page).to_have_url(f"{base}/")
    walk.goto("admin", "/admin/")
    walk.goto("admin-users", "/admin/accounts/user/?q=second")
    walk.goto("admin-user", f"/admin/accounts/user/{second.pk}/change/")
    walk.goto("admin-action", f"/admin/accounts/user/helpdesk/reset_two_step/?ids={second.pk}")
    walk.submit("admin-action-error", page.locator("input[type=submit]"))
    walk.goto("admin-events", "/admin/security/securityevent/")
    walk.goto("admin-lockouts", "/admin/axes/accessattempt/")
    context.close()

    vnu_began = time.monotonic()
    walk.findings.extend(vnu_check(walk.saved))
    vnu_seconds = time.monotonic() - vnu_began
    print(
        f"\n{len(walk.saved)} pages × {len(VIEWPORTS)} sizes in {language}: axe {walk.axe_seconds:.1f} s, "
        f"vnu {vnu_seconds:.1f} s (one run), walk {time.monotonic() - began:.1f} s in all; "
        f"screenshots and HTML in {folder}"
    )
    for line in walk.findings.known:
        print("known (Django admin):", line)
    assert not walk.findings.ours, "\n".join(walk.findings.ours)
