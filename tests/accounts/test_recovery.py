"""Account recovery ("Forgot password?"): every branch of accounts.recovery.services through its pages."""

import re
import statistics
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client, TestCase
from django.utils import timezone

from accounts import events
from accounts.models import RecoveryRequest, User
from security.models import NotificationAddress, SecurityEvent
from security.sms import test as sms_gateway
from tests.factories import PASSWORD, UserFactory
from tests.helpers import without_csrf
from tests.phone.factories import PhoneBindingFactory
from tests.two_factor.otp import code_at, current_step

START = "/account/recovery/"
CODE = "/account/recovery/code/"
VERIFY = "/account/recovery/verify/"
NEW_PASSWORD = "/account/recovery/password/"
HELPDESK = "/account/recovery/helpdesk/"
ALERT = "alert.box@elsewhere.example"
FRESH = "Quiet-Harbor-Lantern-27"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_outboxes():
    sms_gateway.outbox_clear()
    yield
    sms_gateway.outbox_clear()


def english() -> Client:
    """A browser that asks for English pages (the default language is Chinese)."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def with_alert(user, *, confirmed=True, address=ALERT):
    NotificationAddress.objects.create(user=user, address=address, verified_at=timezone.now() if confirmed else None)
    return user


def committed(client, url, data, **extra):
    """POST, running the callbacks the request left for after commit (as they run outside a test transaction)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data, **extra)


def start(client, address, channel="email", **extra):
    return committed(client, START, {"username": address, "channel": channel}, **extra)


def mailed_code(to=ALERT) -> str:
    messages = [message for message in mail.outbox if to in message.to and "code" in message.subject.lower()]
    assert messages, [(m.to, m.subject) for m in mail.outbox]
    return re.search(r"\b(\d{6})\b", messages[-1].body).group(1)


def texted_code() -> str:
    codes = [message.params["code"] for message in sms_gateway.outbox if message.template == "recovery"]
    assert codes
    return codes[-1]


def other(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def recover(client, user, *, password=FRESH):
    """Start by e-mail, enter the mailed code, and set ``password``. Returns the last response."""
    assert start(client, user.email)["Location"] == CODE
    response = client.post(CODE, {"code": mailed_code()})
    assert response.status_code == 302, response.content[:600]
    assert response["Location"] == NEW_PASSWORD
    return committed(client, NEW_PASSWORD, {"new_password": password, "new_password_again": password})


def signed_in(client) -> bool:
    return client.get("/activity/").status_code == 200


# --- The whole way ---------------------------------------------------------------------------------------------
def test_alert_address_code_resets_password_and_ends_everything(user, make_app_password):
    with_alert(user)
    elsewhere = english()
    elsewhere.post("/account/sign-in/", {"username": user.email, "password": PASSWORD})
    assert signed_in(elsewhere)
    app_password = make_app_password(user)

    browser = english()
    response = recover(browser, user)

    assert response.status_code == 302 and response["Location"] == "/account/sign-in/"
    user.refresh_from_db()
    assert user.check_password(FRESH) and not user.check_password(PASSWORD)
    assert not signed_in(elsewhere)  # every session ended
    assert not signed_in(browser)  # recovery does not sign anybody in
    app_password.app_password.refresh_from_db()
    assert app_password.app_password.revoked_at is not None
    assert not RecoveryRequest.objects.filter(user=user).exists()
    kinds = list(SecurityEvent.objects.filter(user=user).values_list("kind", flat=True))
    assert events.RECOVERY_COMPLETED in kinds and events.PASSWORD_CHANGED in kinds
    told = [message for message in mail.outbox if user.email in message.to and ALERT in message.to]
    assert told, "the mailbox and the alert address are told"
    assert english().post("/account/sign-in/", {"username": user.email, "password": FRESH}).status_code == 302


def test_the_code_goes_only_to_the_confirmed_alert_address_never_the_mailbox(user):
    with_alert(user)
    start(english(), user.email.upper())  # the address as typed, case and all
    assert [message.to for message in mail.outbox] == [[ALERT]]
    assert user.email not in mail.outbox[0].body.split("\n")[2]  # the code line names nobody


def test_unconfirmed_alert_address_gets_nothing(user):
    with_alert(user, confirmed=False)
    response = start(english(), user.email)
    assert response.status_code == 302 and response["Location"] == CODE
    assert mail.outbox == []
    assert not RecoveryRequest.objects.filter(user=user).exists()


def test_sms_channel_texts_the_bound_phone_and_its_code_works(user):
    PhoneBindingFactory(user=user)
    browser = english()
    start(browser, user.email, channel="sms")
    assert [message.to for message in sms_gateway.outbox] == ["+8613812345678"]
    assert mail.outbox == []
    response = browser.post(CODE, {"code": texted_code()})
    assert response["Location"] == NEW_PASSWORD
    committed(browser, NEW_PASSWORD, {"new_password": FRESH, "new_password_again": FRESH})
    user.refresh_from_db()
    assert user.check_password(FRESH)
    assert [message.template for message in sms_gateway.outbox][-1] == "password_reset"  # the phone is told


def test_sms_channel_without_a_phone_sends_nothing(user):
    with_alert(user)
    start(english(), user.email, channel="sms")
    assert sms_gateway.outbox == [] and mail.outbox == []


# --- Item 5: the answer does not depend on the account ----------------------------------------------------
def _pages_for(address, channel="email"):
    browser = english()
    first = start(browser, address, channel)
    code_page = browser.get(CODE)
    wrong = browser.post(CODE, {"code": "000000"})
    return [
        (first.status_code, first.get("Location"), first.content),
        (code_page.status_code, without_csrf(code_page.content).replace(address, "ADDRESS")),
        (wrong.status_code, without_csrf(wrong.content).replace(address, "ADDRESS")),
    ]


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_same_body_and_status_for_unknown_no_channel_and_real_accounts(channel):
    real = UserFactory(email="real@example.com")
    with_alert(real)
    PhoneBindingFactory(user=real)
    UserFactory(email="bare@example.com")
    UserFactory(email="gone@example.com", is_active=False)
    answers = {
        address: _pages_for(address, channel)
        for address in ("real@example.com", "bare@example.com", "gone@example.com", "nobody@example.com")
    }
    assert len(mail.outbox) + len(sms_gateway.outbox) == 1  # only the real account got a code
    reference = answers.pop("nobody@example.com")
    for address, pages in answers.items():
        assert pages == reference, address


def _median_seconds(address, channel, runs=7):
    timings = []
    for _run in range(runs):
        browser = english()
        began = time.perf_counter()
        browser.post(START, {"username": address, "channel": channel})  # committed for real: sends included
        timings.append(time.perf_counter() - began)
        RecoveryRequest.objects.all().delete()
        sms_gateway.outbox_clear()
    return statistics.median(timings)


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_same_time_for_unknown_and_real_accounts(transactional_db, settings, smtp_sink, channel):
    """Medians over several requests, within a generous ratio (no speed goal). The real branch writes rows,
    sends an SMS or an e-mail over real SMTP; the floor hides that."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_sink.port
    settings.PORTAL_SMS_RESEND_COOLDOWN = timedelta(0)
    settings.PORTAL_ACCOUNT_RECOVERY_LIMIT_PER_IP_PER_HOUR = 1000
    settings.PORTAL_ACCOUNT_RECOVERY_LIMIT_PER_ACCOUNT_PER_HOUR = 1000
    settings.PORTAL_SMS_LIMIT_PER_NUMBER_PER_HOUR = settings.PORTAL_SMS_LIMIT_PER_IP_PER_HOUR = 1000
    settings.PORTAL_SMS_LIMIT_PER_ACCOUNT_PER_DAY = 1000
    settings.PORTAL_ACCOUNT_RECOVERY_RESPONSE_FLOOR = timedelta(milliseconds=300)
    real = with_alert(UserFactory(email="real@example.com"))
    PhoneBindingFactory(user=real)
    _median_seconds("warm@example.com", channel, runs=2)
    unknown = _median_seconds("nobody@example.com", channel)
    existing = _median_seconds("real@example.com", channel)
    assert smtp_sink.messages or channel == "sms"
    print(f"median start time ({channel}): unknown {unknown * 1000:.1f} ms, real {existing * 1000:.1f} ms")
    assert max(unknown, existing) / min(unknown, existing) < 1.5


# --- Codes: wrong, malformed, expired, reused, another browser ---------------------------------------------------
def test_wrong_code_is_refused_then_too_many_ends_the_recovery(user, settings):
    with_alert(user)
    browser = english()
    start(browser, user.email)
    code = mailed_code()
    for _attempt in range(settings.PORTAL_ACCOUNT_RECOVERY_MAX_FAILURES - 1):
        response = browser.post(CODE, {"code": other(code)})
        assert response.status_code == 400
        assert "That code is not right" in response.content.decode()
    response = browser.post(CODE, {"code": other(code)})
    assert response.status_code == 302 and response["Location"] == START
    assert browser.post(CODE, {"code": code}).status_code == 302  # back to start: the right code is dead too
    assert not RecoveryRequest.objects.filter(user=user).exists()
    assert SecurityEvent.objects.filter(user=user, kind=events.RECOVERY_CODE_FAILED).count() == 5


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "１２３４５６", "9" * 40])
def test_malformed_code_is_a_clear_message_and_costs_nothing(user, typed):
    with_alert(user)
    browser = english()
    start(browser, user.email)
    response = browser.post(CODE, {"code": typed})
    assert response.status_code == 400
    assert RecoveryRequest.objects.get(user=user).failures == 0


def test_code_with_spaces_is_accepted(user):
    with_alert(user)
    browser = english()
    start(browser, user.email)
    code = mailed_code()
    assert browser.post(CODE, {"code": f" {code[:3]} {code[3:]} "})["Location"] == NEW_PASSWORD


def test_expired_code_is_refused(user):
    import time_machine

    with_alert(user)
    browser = english()
    start(browser, user.email)
    code = mailed_code()
    with time_machine.travel(timezone.now() + timedelta(minutes=10, seconds=1)):
        response = browser.post(CODE, {"code": code})
    assert response.status_code == 302 and response["Location"] == START
    assert not User.objects.get(pk=user.pk).check_password(FRESH)


def test_code_works_once(user):
    with_alert(user)
    browser = english()
    recover(browser, user)
    code = mailed_code()
    assert browser.post(CODE, {"code": code})["Location"] == START
    assert (
        browser.post(NEW_PASSWORD, {"new_password": "x" + FRESH, "new_password_again": "x" + FRESH})["Location"]
        == START
    )
    user.refresh_from_db()
    assert user.check_password(FRESH)


def test_code_from_another_browser_is_refused(user):
    with_alert(user)
    start(english(), user.email)
    code = mailed_code()
    thief = english()
    assert thief.post(CODE, {"code": code})["Location"] == START  # no recovery in this browser
    start(thief, "nobody@example.com")  # a recovery of its own, for another address
    assert thief.post(CODE, {"code": code}).status_code == 400


def test_a_newer_recovery_in_another_browser_replaces_the_first(user, settings):
    with_alert(user)
    first = english()
    start(first, user.email)
    first_code = mailed_code()
    second = english()
    start(second, user.email)
    assert first.post(CODE, {"code": first_code}).status_code == 400
    assert second.post(CODE, {"code": mailed_code()})["Location"] == NEW_PASSWORD


def test_two_tabs_race_to_finish_only_one_sets_the_password(user):
    with_alert(user)
    browser = english()
    start(browser, user.email)
    code = mailed_code()
    assert browser.post(CODE, {"code": code})["Location"] == NEW_PASSWORD
    assert browser.post(CODE, {"code": code})["Location"] == NEW_PASSWORD  # the other tab, same session
    one = browser.post(NEW_PASSWORD, {"new_password": FRESH, "new_password_again": FRESH})
    two = browser.post(NEW_PASSWORD, {"new_password": "x" + FRESH, "new_password_again": "x" + FRESH})
    assert one["Location"] == "/account/sign-in/" and two["Location"] == START
    user.refresh_from_db()
    assert user.check_password(FRESH)
    assert SecurityEvent.objects.filter(user=user, kind=events.RECOVERY_COMPLETED).count() == 1


def test_password_change_elsewhere_ends_the_pending_recovery(user):
    from accounts.services.passwords import password_set
    from security.client import SYSTEM

    with_alert(user)
    browser = english()
    start(browser, user.email)
    code = mailed_code()
    password_set(user=user, new_password="Other-Fine-Password-55", actor=user, client=SYSTEM)
    assert browser.post(CODE, {"code": code}).status_code == 400


def test_normal_sign_in_cancels_a_pending_recovery(user):
    with_alert(user)
    browser = english()
    start(browser, user.email)
    code = mailed_code()
    assert english().post("/account/sign-in/", {"username": user.email, "password": PASSWORD}).status_code == 302
    assert not RecoveryRequest.objects.filter(user=user).exists()
    assert SecurityEvent.objects.filter(user=user, kind=events.RECOVERY_CANCELLED).exists()
    assert browser.post(CODE, {"code": code}).status_code == 400


def test_pages_of_later_steps_send_a_fresh_browser_back_to_the_start():
    for url in (CODE, VERIFY, NEW_PASSWORD, HELPDESK):
        response = english().get(url)
        assert response.status_code == 302 and response["Location"] == START, url
    assert english().post(NEW_PASSWORD, {"new_password": FRESH, "new_password_again": FRESH})["Location"] == START


def test_signed_in_user_is_sent_to_the_overview(client_signed_in):
    assert client_signed_in.get(START)["Location"] == "/"


# --- The new password follows the password rules ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("new", "again", "says"),
    [
        ("short", "short", "too short"),
        ("password123", "password123", "too common"),
        (FRESH, FRESH + "x", "do not match"),
    ],
)
def test_new_password_follows_the_rules(user, new, again, says):
    with_alert(user)
    browser = english()
    start(browser, user.email)
    browser.post(CODE, {"code": mailed_code()})
    response = browser.post(NEW_PASSWORD, {"new_password": new, "new_password_again": again})
    assert response.status_code == 400 and says in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert RecoveryRequest.objects.get(user=user).proven_at is not None  # nothing half-done: try again


# --- Floods ----------------------------------------------------------------------------------------------------
def test_flood_from_one_ip_is_refused(settings):
    settings.PORTAL_ACCOUNT_RECOVERY_LIMIT_PER_IP_PER_HOUR = 3
    for number in range(3):
        assert start(english(), f"someone{number}@example.com").status_code == 302
    response = start(english(), "someone9@example.com")
    assert response.status_code == 429 and "Too many recovery requests" in response.content.decode()
    assert start(english(), "someone9@example.com", REMOTE_ADDR="192.0.2.9").status_code == 302


def test_flood_against_one_account_is_refused_the_same_for_unknown_addresses(settings, user):
    settings.PORTAL_ACCOUNT_RECOVERY_LIMIT_PER_ACCOUNT_PER_HOUR = 2
    with_alert(user)
    answers = []
    for address in (user.email, "nobody@example.com"):
        for number in range(3):
            response = start(english(), address, REMOTE_ADDR=f"192.0.2.{number + 1}")
            answers.append(response.status_code)
    assert answers == [302, 302, 429, 302, 302, 429]
    assert len(mail.outbox) == 2


def test_global_limit(settings):
    settings.PORTAL_ACCOUNT_RECOVERY_LIMIT_GLOBAL_PER_HOUR = 2
    statuses = [start(english(), f"a{n}@example.com", REMOTE_ADDR=f"192.0.2.{n}").status_code for n in range(3)]
    assert statuses == [302, 302, 429]


def test_code_guessing_from_one_ip_is_refused(settings, user):
    settings.PORTAL_ACCOUNT_RECOVERY_CODE_TRIES_PER_IP_PER_HOUR = 3
    for number in range(3):
        browser = english()
        start(browser, f"x{number}@example.com")
        assert browser.post(CODE, {"code": "123456"}).status_code == 400
    with_alert(user)
    browser = english()
    start(browser, user.email)
    response = browser.post(CODE, {"code": mailed_code()})
    assert response.status_code == 429 and "Too many attempts" in response.content.decode()


def test_bad_start_input_is_a_clear_message():
    for data in (
        {"username": "not an address", "channel": "email"},
        {"username": "", "channel": "email"},
        {"username": "a@example.com", "channel": "pigeon"},
        {"username": "a" * 300 + "@x.org", "channel": "sms"},
    ):
        response = english().post(START, data)
        assert response.status_code == 400, data
        assert 'role="alert"' in response.content.decode()
    assert mail.outbox == []


# --- Two-step verification still counts -------------------------------------------------------------------------
def _proven(client, user, channel="email"):
    start(client, user.email, channel)
    code = mailed_code() if channel == "email" else texted_code()
    return client.post(CODE, {"code": code})


def test_two_step_needs_an_authenticator_code_too(enrolled, clock):
    with_alert(enrolled)
    browser = english()
    assert _proven(browser, enrolled)["Location"] == VERIFY
    assert browser.get(NEW_PASSWORD)["Location"] == VERIFY  # cannot skip the factor
    assert browser.post(NEW_PASSWORD, {"new_password": FRESH, "new_password_again": FRESH})["Location"] == VERIFY
    wrong = browser.post(VERIFY, {"method": "totp", "code": "000000"})
    assert wrong.status_code == 400
    clock.shift(60)  # past the growing delay after a wrong code
    right = browser.post(VERIFY, {"method": "totp", "code": code_at(current_step())})
    assert right["Location"] == NEW_PASSWORD
    passed = SecurityEvent.objects.get(user=enrolled, kind="two_step.second_factor_passed")
    assert passed.details == {"method": "totp", "purpose": "recovery"}  # item 7, and no code in it
    assert SecurityEvent.objects.filter(user=enrolled, kind="two_step.second_factor_failed").count() == 1
    browser.post(NEW_PASSWORD, {"new_password": FRESH, "new_password_again": FRESH})
    enrolled.refresh_from_db()
    assert enrolled.check_password(FRESH)


def test_two_step_accepts_a_recovery_code(enrolled):
    with_alert(enrolled)
    browser = english()
    _proven(browser, enrolled)
    response = browser.post(VERIFY, {"method": "recovery", "code": enrolled.recovery_codes[0]})
    assert response["Location"] == NEW_PASSWORD


def test_sms_is_never_the_second_factor(enrolled, settings):
    PhoneBindingFactory(user=enrolled)
    browser = english()
    assert _proven(browser, enrolled, channel="sms")["Location"] == VERIFY
    page = browser.get(VERIFY).content.decode()
    assert 'value="sms"' not in page
    response = browser.post(VERIFY, {"method": "sms", "code": texted_code()})
    assert response.status_code == 400
    assert browser.get(NEW_PASSWORD)["Location"] == VERIFY


def test_used_recovery_code_is_refused(enrolled):
    with_alert(enrolled)
    browser = english()
    _proven(browser, enrolled)
    browser.post(VERIFY, {"method": "recovery", "code": enrolled.recovery_codes[0]})
    RecoveryRequest.objects.update(second_factor_at=None)
    assert browser.post(VERIFY, {"method": "recovery", "code": enrolled.recovery_codes[0]}).status_code == 400


def test_two_step_without_any_usable_factor_goes_to_the_helpdesk(enrolled):
    from security.two_factor.models import AuthenticatorDevice, RecoveryCode

    with_alert(enrolled)
    AuthenticatorDevice.objects.filter(user=enrolled).delete()
    RecoveryCode.objects.filter(device__user=enrolled).update(used_at=timezone.now())
    browser = english()
    assert _proven(browser, enrolled)["Location"] == HELPDESK
    page = browser.get(HELPDESK)
    assert page.status_code == 200 and "helpdesk" in page.content.decode().lower()
    assert browser.get(NEW_PASSWORD)["Location"] == HELPDESK
    assert browser.get(VERIFY)["Location"] == HELPDESK


# --- Overview ----------------------------------------------------------------------------------------------------
def test_overview_asks_users_without_a_channel_to_add_one(user, client_signed_in):
    assert 'data-testid="no-recovery-channel"' in client_signed_in.get("/").content.decode()
    with_alert(user, confirmed=False)
    assert 'data-testid="no-recovery-channel"' in client_signed_in.get("/").content.decode()
    NotificationAddress.objects.filter(user=user).update(verified_at=timezone.now())
    assert 'data-testid="no-recovery-channel"' not in client_signed_in.get("/").content.decode()
    NotificationAddress.objects.filter(user=user).delete()
    PhoneBindingFactory(user=user)
    assert 'data-testid="no-recovery-channel"' not in client_signed_in.get("/").content.decode()


def test_sign_in_page_links_to_recovery():
    assert 'href="/account/recovery/"' in english().get("/account/sign-in/").content.decode()


def test_code_is_bound_to_the_browser_session_that_asked(user):
    with_alert(user)
    thief = english()
    start(thief, user.email)  # the thief's session now has a recovery for this address...
    owner = english()
    start(owner, user.email)  # ...and the owner's newer one replaces it, bound to the owner's browser
    assert thief.post(CODE, {"code": mailed_code()}).status_code == 400
    assert owner.post(CODE, {"code": mailed_code()})["Location"] == NEW_PASSWORD


def test_the_stored_expiry_is_enforced(user):
    with_alert(user)
    browser = english()
    start(browser, user.email)
    RecoveryRequest.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert browser.post(CODE, {"code": mailed_code()}).status_code == 400


def test_the_service_refuses_to_skip_the_second_factor(enrolled):
    from accounts.recovery.services import RecoveryError, recovery_complete
    from security.client import SYSTEM

    with_alert(enrolled)
    browser = english()
    _proven(browser, enrolled)
    with pytest.raises(RecoveryError):
        recovery_complete(session=browser.session, new_password=FRESH, client=SYSTEM)
    enrolled.refresh_from_db()
    assert enrolled.check_password(PASSWORD)


def test_two_tabs_submitting_at_the_same_moment_set_the_password_once(transactional_db):
    """Two requests in flight at once with one session (a double click, two tabs): the row lock lets one through."""
    import threading

    from django.db import connection

    user = with_alert(UserFactory())
    browser = english()
    start(browser, user.email)
    assert browser.post(CODE, {"code": mailed_code()})["Location"] == NEW_PASSWORD
    barrier, results = threading.Barrier(2), []

    def submit(password):
        tab = english()
        tab.cookies = browser.cookies
        barrier.wait()
        try:
            results.append(tab.post(NEW_PASSWORD, {"new_password": password, "new_password_again": password}))
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=submit, args=(password,)) for password in (FRESH, "x" + FRESH)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(response["Location"] for response in results) == ["/account/recovery/", "/account/sign-in/"]
    assert SecurityEvent.objects.filter(user=user, kind=events.RECOVERY_COMPLETED).count() == 1
    assert SecurityEvent.objects.filter(user=user, kind=events.PASSWORD_CHANGED).count() == 1


def test_code_page_says_how_long_the_code_of_the_channel_lasts(user, settings):
    settings.PORTAL_SMS_CODE_TTL = timedelta(minutes=5)
    by_mail, by_sms = english(), english()
    start(by_mail, user.email, "email")
    start(by_sms, user.email, "sms")
    assert "valid for 10 minutes" in by_mail.get(CODE).content.decode()
    assert "valid for 5 minutes" in by_sms.get(CODE).content.decode()
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    start(chinese, user.email, "sms")
    assert "验证码 5 分钟内有效" in chinese.get(CODE).content.decode()


def test_recovery_clears_the_sign_in_lock_that_guessers_caused(user):
    from axes.models import AccessAttempt

    with_alert(user)
    AccessAttempt.objects.create(
        username=user.email,
        ip_address="198.51.100.9",
        user_agent="x",
        failures_since_start=100,
        get_data="",
        post_data="",
        path_info="/account/sign-in/",
    )  # what django-axes leaves after 100 failed sign-ins
    locked = english().post("/account/sign-in/", {"username": user.email, "password": PASSWORD})
    assert locked.status_code == 429 and 'href="/account/recovery/"' in locked.content.decode()
    recover(english(), user)
    assert english().post("/account/sign-in/", {"username": user.email, "password": FRESH}).status_code == 302
