"""Passkeys in Chromium with Chrome's virtual authenticator (issue 16): a CDP session on the page, WebAuthn.enable,
then an internal CTAP2 authenticator with resident keys and user verification. On http://localhost:PORT: an IP
address is not a valid RP ID. The browser's own navigator.credentials.create and .get run; the server checks them
with py_webauthn."""

import re

from playwright.sync_api import expect

from accounts.models import User
from security.client import SYSTEM
from security.passkeys.models import Passkey
from security.two_factor.services import authenticator_enroll
from tests.factories import PASSWORD, UserFactory
from tests.two_factor.otp import FIXED_KEY, code_at, current_step


def virtual_authenticator(page):
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def sign_in_password(page, base: str, address: str) -> None:
    page.goto(f"{base}/account/sign-in/")
    page.locator("input[name=username]").fill(address)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button.primary").click()


def localhost(live_server) -> str:
    return live_server.url.replace("127.0.0.1", "localhost")


def add_passkey(page, base: str, name: str) -> None:
    page.goto(f"{base}/two-step/passkeys/add/")
    page.locator("input[name=name]").fill(name)
    page.get_by_test_id("passkey-create").click()


def test_register_sign_in_with_it_and_remove_it(page, browser, live_server, transactional_db):
    user = UserFactory(email="li.na@example.com", language="")
    base = localhost(live_server)
    cdp, authenticator = virtual_authenticator(page)

    # Register: a passkey alone turns two-step on, with recovery codes.
    sign_in_password(page, base, user.email)
    expect(page).to_have_url(f"{base}/")
    page.goto(f"{base}/two-step/")
    page.get_by_test_id("passkey-add").click()
    expect(page).to_have_url(f"{base}/two-step/passkeys/add/")
    page.locator("input[name=name]").fill("Laptop")
    page.get_by_test_id("passkey-create").click()
    expect(page).to_have_url(re.compile(r"/two-step/recovery-codes/$"))
    key = Passkey.objects.get(user=user)
    assert key.name == "Laptop" and key.public_key and key.credential_id
    assert User.objects.get(pk=user.pk).two_step_enabled
    resident = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert len(resident) == 1 and resident[0]["isResidentCredential"]  # a discoverable credential

    # Sign in with it: the passkey is offered first.
    page.get_by_test_id("sign-out").click()
    sign_in_password(page, base, user.email)
    expect(page).to_have_url(re.compile(r"/two-step/verify/"))
    expect(page.get_by_test_id("passkey-challenge")).to_be_visible()
    page.get_by_test_id("verify-submit").click()
    expect(page).to_have_url(f"{base}/")
    key.refresh_from_db()
    assert key.last_used_at is not None and key.sign_count >= 1

    # A second browser without the key is asked for another factor: no authenticator answers there.
    other = browser.new_context(locale="zh-CN")
    other_page = other.new_page()
    sign_in_password(other_page, base, user.email)
    expect(other_page).to_have_url(re.compile(r"/two-step/verify/"))
    other_page.get_by_test_id("method-recovery").click()
    expect(other_page.locator("input[name=code]")).to_be_visible()
    other.close()

    # The only strong factor is not removed on its own: that is turning two-step off.
    page.goto(f"{base}/two-step/")
    expect(page.get_by_test_id("passkey-name")).to_have_text("Laptop")
    page.get_by_test_id("passkey-remove").click()
    expect(page).to_have_url(re.compile(r"/two-step/disable/"))
    assert Passkey.objects.filter(user=user).exists()

    # With an authenticator app as well, the passkey can be removed from its own page.
    authenticator_enroll(user=user, secret=FIXED_KEY, code=code_at(current_step() - 1), client=SYSTEM)
    page.goto(f"{base}/two-step/")
    page.get_by_test_id("passkey-remove").click()
    page.get_by_test_id("confirm-destroy").click()
    expect(page).to_have_url(f"{base}/two-step/")
    assert not Passkey.objects.filter(user=user).exists()
    assert User.objects.get(pk=user.pk).two_step_enabled  # the authenticator remains


def test_dovecot_refuses_the_main_password_the_confirm_page_and_a_cloned_key(page, live_server, dovecot):
    from security.models import SecurityEvent
    from security.passkeys import events

    user = UserFactory(email="zhao.lei@example.com", language="")
    base = localhost(live_server)
    virtual_authenticator(page)
    assert dovecot.auth_test(user.email, PASSWORD, service="imap")

    sign_in_password(page, base, user.email)
    expect(page).to_have_url(f"{base}/")
    add_passkey(page, base, "Phone")
    expect(page).to_have_url(re.compile(r"/two-step/recovery-codes/$"))
    # The passkey is the only factor: the main password no longer opens the mailbox.
    assert not dovecot.auth_test(user.email, PASSWORD, service="imap")
    assert not dovecot.auth_test(user.email, PASSWORD, service="smtp")

    # The confirm page for sensitive actions asks the passkey and takes the browser's answer.
    page.goto(f"{base}/confirm/?next=/two-step/")
    expect(page.get_by_test_id("passkey-challenge")).to_be_visible()
    page.get_by_test_id("verify-submit").click()
    expect(page).to_have_url(f"{base}/two-step/")

    # A key whose counter is behind what the server has seen (a copy of it) is refused and recorded.
    Passkey.objects.filter(user=user).update(sign_count=1_000_000)
    page.get_by_test_id("sign-out").click()
    sign_in_password(page, base, user.email)
    expect(page).to_have_url(re.compile(r"/two-step/verify/"))
    page.get_by_test_id("verify-submit").click()
    expect(page.locator("form [role=alert]:not([hidden])")).to_contain_text("副本")  # "like a copy of itself"
    expect(page).to_have_url(re.compile(r"/two-step/verify/"))
    assert SecurityEvent.objects.filter(user=user, kind=events.PASSKEY_CLONE_SUSPECTED).exists()
    assert Passkey.objects.get(user=user).sign_count == 1_000_000


def test_the_passkey_pages_pass_axe_and_vnu(browser, live_server, transactional_db, tmp_path):
    """The add page, the two-step page with its list of keys and the second step with a passkey, checked as
    tests/browser/test_pages_checked.py checks every page (axe-core in the page, the Nu HTML checker on the HTML)."""
    from tests.browser.page_checks import Findings, axe_check, missing_checkers, vnu_check

    assert not missing_checkers(), missing_checkers()
    user = UserFactory(email="qian.yu@example.com", language="")
    base = localhost(live_server)
    context = browser.new_context(locale="zh-CN", bypass_csp=True)
    page = context.new_page()
    virtual_authenticator(page)
    findings, saved = Findings(), {}

    def check(name, response):
        assert response is not None and response.ok, name
        path = re.sub(r"^https?://[^/]+", "", page.url)
        html = tmp_path / f"{len(saved):02d}-{name}.html"
        html.write_text(response.text())
        saved[html] = path
        findings.extend(axe_check(page, path=path, label=name))

    sign_in_password(page, base, user.email)
    check("add", page.goto(f"{base}/two-step/passkeys/add/"))
    page.locator("input[name=name]").fill("Laptop")
    page.get_by_test_id("passkey-create").click()
    expect(page).to_have_url(re.compile(r"/two-step/recovery-codes/$"))
    check("two-step", page.goto(f"{base}/two-step/"))
    check("remove", page.goto(f"{base}/two-step/passkeys/{Passkey.objects.get().pk}/remove/"))
    page.get_by_test_id("sign-out").click()
    sign_in_password(page, base, user.email)
    expect(page).to_have_url(re.compile(r"/two-step/verify/"))
    check("verify", page.goto(f"{base}/two-step/verify/"))
    findings.extend(vnu_check(saved))
    context.close()
    assert not findings.ours, "\n".join(findings.ours)
