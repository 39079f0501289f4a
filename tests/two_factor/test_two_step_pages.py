"""The pages: setup (item 10), recovery codes (19), the second sign-in step (30), turning off (20),
re-authentication (29) and bad input."""

import re

import pytest
from django.core import mail
from django.test import Client

from accounts.models import User
from security.models import SecurityEvent
from security.two_factor import events
from security.two_factor.models import AuthenticatorDevice, RecoveryCode, RecoveryCodeDevice
from security.two_factor.views import SETUP_KEY
from tests.factories import PASSWORD
from tests.two_factor.otp import FIXED_KEY, START_STEP, code_at, current_step, sign_in_with_password

SECRET_TEXT = re.compile(r'data-testid="totp-secret">([A-Z2-7 ]+)<')


def setup_secret(response) -> bytes:
    import base64

    text = SECRET_TEXT.search(response.content.decode()).group(1).replace(" ", "")
    return base64.b32decode(text + "=" * (-len(text) % 8))


def assert_no_store(response):
    assert "no-store" in response["Cache-Control"]


@pytest.fixture
def signed_in(client_signed_in, clock):
    return client_signed_in


# --- Turning on ---------------------------------------------------------------------------------------------
def test_setup_needs_the_password_again(client, user, clock):
    client.post("/account/sign-in/", {"username": user.email, "password": PASSWORD})
    clock.shift(11 * 60)
    response = client.get("/two-step/setup/")
    assert response.status_code == 302 and response["Location"].startswith("/confirm/")


def test_setup_page_shows_qr_and_secret_with_no_store(signed_in, user):
    response = signed_in.get("/two-step/setup/")
    assert response.status_code == 200
    assert_no_store(response)
    html = response.content.decode()
    assert "<svg" in html and "<path" in html
    secret = setup_secret(response)
    assert len(secret) == 20
    assert not AuthenticatorDevice.objects.filter(user=user).exists()
    # The same pending secret is shown again on reload, and only ever sealed in the session.
    assert setup_secret(signed_in.get("/two-step/setup/")) == secret
    sealed = signed_in.session[SETUP_KEY]
    assert secret.hex() not in sealed and secret.decode("latin-1") not in sealed


def test_correct_code_turns_two_step_on_and_shows_codes_once(signed_in, user, clock):
    mail.outbox.clear()
    secret = setup_secret(signed_in.get("/two-step/setup/"))
    response = signed_in.post("/two-step/setup/", {"code": code_at(START_STEP, secret)})
    assert response.status_code == 302 and response["Location"] == "/two-step/recovery-codes/"
    assert secret.hex() not in response["Location"]
    user.refresh_from_db()
    assert user.two_step_enabled
    assert AuthenticatorDevice.objects.filter(user=user).count() == 1
    assert RecoveryCode.objects.filter(device__user=user).count() == 10
    assert SecurityEvent.objects.filter(user=user, kind=events.TWO_STEP_ENABLED).exists()
    page = signed_in.get("/two-step/recovery-codes/")
    assert_no_store(page)
    codes = re.findall(r'<code class="secret">([a-z2-9-]{19})</code>', page.content.decode())
    assert len(codes) == 10
    download = signed_in.get("/two-step/recovery-codes/recovery-codes.txt")
    assert_no_store(download)
    assert download["Content-Type"].startswith("text/plain")
    assert "attachment" in download["Content-Disposition"]
    assert all(code in download.content.decode() for code in codes)
    # "I have saved them": never shown again.
    signed_in.post("/two-step/recovery-codes/")
    again = signed_in.get("/two-step/recovery-codes/").content.decode()
    assert not any(code in again for code in codes)
    assert signed_in.get("/two-step/recovery-codes/recovery-codes.txt").status_code == 302
    # The session is now verified for django-otp (the admin relies on it).
    assert signed_in.session["otp_device_id"].endswith(f"/{AuthenticatorDevice.objects.get(user=user).pk}")


def test_new_codes_vanish_after_ten_minutes(signed_in, clock):
    secret = setup_secret(signed_in.get("/two-step/setup/"))
    signed_in.post("/two-step/setup/", {"code": code_at(START_STEP, secret)})
    clock.shift(9 * 60)
    assert "recovery-codes" in signed_in.get("/two-step/recovery-codes/").content.decode()
    clock.shift(2 * 60)
    # Sudo mode has expired too: confirm with a code first, then the codes are gone.
    assert signed_in.get("/two-step/recovery-codes/").status_code == 302
    signed_in.post("/confirm/", {"method": "totp", "code": code_at(current_step(), secret), "next": "/"})
    assert 'data-testid="recovery-codes"' not in signed_in.get("/two-step/recovery-codes/").content.decode()


def test_wrong_code_makes_no_device(signed_in, user):
    secret = setup_secret(signed_in.get("/two-step/setup/"))
    response = signed_in.post("/two-step/setup/", {"code": code_at(START_STEP + 5, secret)})
    assert response.status_code == 400
    assert_no_store(response)
    user.refresh_from_db()
    assert not user.two_step_enabled
    assert not AuthenticatorDevice.objects.exists() and not RecoveryCodeDevice.objects.exists()


def test_abandoned_setup_leaves_nothing_and_expires(signed_in, user, clock):
    first = setup_secret(signed_in.get("/two-step/setup/"))
    signed_in.get("/")  # walk away
    assert not AuthenticatorDevice.objects.exists()
    clock.shift(11 * 60)
    # Expired: a code from the abandoned secret is refused (sudo is renewed first).
    signed_in.post("/confirm/", {"password": PASSWORD, "next": "/"})
    response = signed_in.post("/two-step/setup/", {"code": code_at(current_step(), first)})
    assert response.status_code == 400
    assert not AuthenticatorDevice.objects.exists()
    assert setup_secret(response) != first


def test_double_submit_creates_one_device(signed_in, user):
    secret = setup_secret(signed_in.get("/two-step/setup/"))
    code = code_at(START_STEP, secret)
    first = signed_in.post("/two-step/setup/", {"code": code})
    second = signed_in.post("/two-step/setup/", {"code": code})
    assert first.status_code == second.status_code == 302
    assert AuthenticatorDevice.objects.filter(user=user).count() == 1
    assert RecoveryCodeDevice.objects.filter(user=user).count() == 1
    assert SecurityEvent.objects.filter(user=user, kind=events.TWO_STEP_ENABLED).count() == 1


def test_racing_tabs_with_the_same_secret_create_one_device(user, clock):
    """Two tabs share the session, so they submit the same pending secret: the service is idempotent."""
    from security.client import SYSTEM
    from security.two_factor.services import authenticator_enroll

    first = authenticator_enroll(user=user, secret=FIXED_KEY, code=code_at(START_STEP), client=SYSTEM)
    second = authenticator_enroll(user=user, secret=FIXED_KEY, code=code_at(START_STEP), client=SYSTEM)
    assert first.changed and not second.changed and second.recovery_codes is None
    assert AuthenticatorDevice.objects.filter(user=user).count() == 1


BAD_CODES = ["", "   ", "abcdef", "12 34 5", "1234567", "１２３４５６", "<script>", "😀" * 6, "9" * 10_000]


@pytest.mark.parametrize("code", BAD_CODES)
def test_bad_input_at_setup_gets_a_clear_message(signed_in, user, code):
    signed_in.get("/two-step/setup/")
    response = signed_in.post("/two-step/setup/", {"code": code}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "6-digit code" in response.content.decode()
    assert not AuthenticatorDevice.objects.exists()


# --- The second sign-in step ------------------------------------------------------------------------------
def test_sign_in_with_authenticator_code(client, enrolled):
    sign_in_with_password(client, enrolled)
    pending_key = client.cookies["sessionid"].value
    assert "_auth_user_id" not in client.session
    response = client.post("/two-step/verify/", {"method": "totp", "code": code_at(START_STEP)})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.cookies["sessionid"].value != pending_key  # the key changes again (item 30)
    assert int(client.session["_auth_user_id"]) == enrolled.pk
    assert client.session["reauth_method"] == "totp"
    assert client.get("/").status_code == 200


def test_wrong_code_at_sign_in_keeps_the_user_out(client, enrolled):
    sign_in_with_password(client, enrolled)
    response = client.post("/two-step/verify/", {"method": "totp", "code": "000000"})
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_verify_page_offers_recovery_codes(client, enrolled):
    sign_in_with_password(client, enrolled)
    page = client.get("/two-step/verify/").content.decode()
    assert 'data-testid="method-recovery"' in page
    recovery_page = client.get("/two-step/verify/?method=recovery").content.decode()
    assert 'value="recovery"' in recovery_page


def test_sign_in_with_a_recovery_code_once(enrolled, clock):
    code = enrolled.recovery_codes[0]
    first = Client()
    sign_in_with_password(first, enrolled)
    assert first.post("/two-step/verify/", {"method": "recovery", "code": code}).status_code == 302
    assert first.session["reauth_method"] == "recovery"
    second = Client()
    clock.shift(5)
    sign_in_with_password(second, enrolled)
    assert second.post("/two-step/verify/", {"method": "recovery", "code": code}).status_code == 400
    assert "_auth_user_id" not in second.session


def test_pending_sign_in_expires_after_ten_minutes(client, enrolled, clock):
    sign_in_with_password(client, enrolled)
    clock.shift(10 * 60 + 1)
    response = client.post("/two-step/verify/", {"method": "totp", "code": code_at(current_step())})
    assert response.status_code == 302 and response["Location"] == "/account/sign-in/"
    assert "_auth_user_id" not in client.session


def test_verify_without_a_password_step_goes_to_sign_in(client, db):
    assert client.get("/two-step/verify/")["Location"] == "/account/sign-in/"


@pytest.mark.parametrize("code", BAD_CODES)
@pytest.mark.parametrize("method", ["totp", "recovery", "no-such-method"])
def test_bad_input_at_sign_in_gets_a_clear_message(client, enrolled, code, method):
    sign_in_with_password(client, enrolled)
    response = client.post("/two-step/verify/", {"method": method, "code": code}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    body = response.content.decode()
    assert any(text in body for text in ("6-digit code", "recovery code has 16", "Enter one of your recovery codes"))
    assert "_auth_user_id" not in client.session


def test_messages_are_translated(client, enrolled):
    sign_in_with_password(client, enrolled)
    client.cookies["portal_language"] = "zh-hans"
    response = client.post("/two-step/verify/", {"method": "totp", "code": "abc"})
    assert "6 位" in response.content.decode()


# --- Re-authentication (sudo mode) ------------------------------------------------------------------------
def test_reauth_asks_for_a_code_not_the_password_when_two_step_is_on(client_two_step, clock):
    clock.shift(10 * 60 + 1)
    response = client_two_step.get("/two-step/recovery-codes/")
    assert response.status_code == 302 and response["Location"].startswith("/confirm/")
    page = client_two_step.get(response["Location"]).content.decode()
    assert 'name="code"' in page and 'name="password"' not in page
    assert client_two_step.post("/confirm/", {"password": PASSWORD, "next": "/x/"}).status_code == 400
    ok = client_two_step.post(
        "/confirm/", {"method": "totp", "code": code_at(current_step()), "next": "/two-step/recovery-codes/"}
    )
    assert ok["Location"] == "/two-step/recovery-codes/"
    assert client_two_step.get("/two-step/recovery-codes/").status_code == 200
    clock.shift(10 * 60 + 1)
    assert client_two_step.get("/two-step/recovery-codes/").status_code == 302


def test_reauth_with_password_when_two_step_is_off(signed_in, clock):
    clock.shift(11 * 60)
    response = signed_in.get("/confirm/?next=/two-step/setup/")
    assert 'name="password"' in response.content.decode()


def test_regenerating_recovery_codes_kills_the_old_set(client_two_step, enrolled, clock):
    old = enrolled.recovery_codes
    response = client_two_step.post("/two-step/recovery-codes/regenerate/")
    assert response["Location"] == "/two-step/recovery-codes/"
    page = client_two_step.get("/two-step/recovery-codes/").content.decode()
    new = re.findall(r'<code class="secret">([a-z2-9-]{19})</code>', page)
    assert len(new) == 10 and not set(new) & set(old)
    assert SecurityEvent.objects.filter(user=enrolled, kind=events.RECOVERY_CODES_REGENERATED).exists()
    other = Client()
    sign_in_with_password(other, enrolled)
    assert other.post("/two-step/verify/", {"method": "recovery", "code": old[0]}).status_code == 400
    clock.shift(2)
    assert other.post("/two-step/verify/", {"method": "recovery", "code": new[0]}).status_code == 302


def test_regenerating_needs_a_fresh_second_factor(client_two_step, clock):
    clock.shift(10 * 60 + 1)
    response = client_two_step.post("/two-step/recovery-codes/regenerate/")
    assert response["Location"].startswith("/confirm/")
    assert RecoveryCode.objects.count() == 10


# --- Replacing the app and turning off ------------------------------------------------------------------------
def test_moving_to_a_new_phone_replaces_the_device(client_two_step, enrolled, clock):
    clock.shift(30)
    secret = setup_secret(client_two_step.get("/two-step/setup/"))
    response = client_two_step.post("/two-step/setup/", {"code": code_at(current_step(), secret)})
    assert response["Location"] == "/two-step/"
    device = AuthenticatorDevice.objects.get(user=enrolled)
    assert device.secret == secret
    assert SecurityEvent.objects.filter(user=enrolled, kind=events.AUTHENTICATOR_REPLACED).exists()
    assert RecoveryCode.objects.filter(device__user=enrolled).count() == 10  # untouched


def test_turning_off_needs_password_and_removes_everything(client_two_step, enrolled):
    mail.outbox.clear()
    page = client_two_step.get("/two-step/disable/")
    assert page.status_code == 200
    wrong = client_two_step.post("/two-step/disable/", {"password": "not my password"})
    assert wrong.status_code == 400
    assert User.objects.get(pk=enrolled.pk).two_step_enabled
    ok = client_two_step.post("/two-step/disable/", {"password": PASSWORD})
    assert ok["Location"] == "/two-step/"
    enrolled.refresh_from_db()
    assert not enrolled.two_step_enabled
    assert not AuthenticatorDevice.objects.exists() and not RecoveryCodeDevice.objects.exists()
    assert not RecoveryCode.objects.exists()
    assert SecurityEvent.objects.filter(user=enrolled, kind=events.TWO_STEP_DISABLED).exists()


def test_a_recovery_code_alone_cannot_turn_two_step_off(enrolled, clock):
    client = Client()
    sign_in_with_password(client, enrolled)
    client.post("/two-step/verify/", {"method": "recovery", "code": enrolled.recovery_codes[0]})
    response = client.post("/two-step/disable/", {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith("/confirm/")
    assert "method=totp" in response["Location"]
    enrolled.refresh_from_db()
    assert enrolled.two_step_enabled
    # After a fresh authenticator code it works.
    clock.shift(30)
    client.post("/confirm/", {"method": "totp", "code": code_at(current_step()), "next": "/two-step/disable/"})
    assert client.post("/two-step/disable/", {"password": PASSWORD})["Location"] == "/two-step/"
    enrolled.refresh_from_db()
    assert not enrolled.two_step_enabled


def test_turning_off_needs_a_fresh_second_factor(client_two_step, enrolled, clock):
    clock.shift(10 * 60 + 1)
    response = client_two_step.post("/two-step/disable/", {"password": PASSWORD})
    assert response["Location"].startswith("/confirm/")
    enrolled.refresh_from_db()
    assert enrolled.two_step_enabled


def test_overview_card_links_to_the_two_step_page(client_two_step):
    page = client_two_step.get("/").content.decode()
    assert 'href="/two-step/"' in page


def test_every_change_notifies_the_user(signed_in, user, clock, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        secret = setup_secret(signed_in.get("/two-step/setup/"))
        signed_in.post("/two-step/setup/", {"code": code_at(START_STEP, secret)})
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post("/two-step/recovery-codes/regenerate/")
    clock.shift(30)
    with django_capture_on_commit_callbacks(execute=True):
        new_secret = setup_secret(signed_in.get("/two-step/setup/"))
        signed_in.post("/two-step/setup/", {"code": code_at(current_step(), new_secret)})
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post("/two-step/disable/", {"password": PASSWORD})
    kinds = [
        events.TWO_STEP_ENABLED,
        events.RECOVERY_CODES_REGENERATED,
        events.AUTHENTICATOR_REPLACED,
        events.TWO_STEP_DISABLED,
    ]
    recorded = list(
        SecurityEvent.objects.filter(user=user, kind__in=kinds).order_by("id").values_list("kind", flat=True)
    )
    assert recorded == kinds
    assert len(mail.outbox) == 4 and all(message.to == [user.email] for message in mail.outbox)
    # No secret or code ever reaches an e-mail or an event.
    for message in mail.outbox:
        assert secret.hex() not in message.body and new_secret.hex() not in message.body


def test_the_second_step_continues_where_the_sign_in_began(enrolled, clock):
    from django.test import Client

    from tests.factories import PASSWORD
    from tests.two_factor.otp import code_at, current_step

    client = Client()
    response = client.post("/account/sign-in/?next=/activity/", {"username": enrolled.email, "password": PASSWORD})
    assert response["Location"] == "/two-step/verify/"  # the target stays in the session, not in the URL
    response = client.post("/two-step/verify/", {"method": "totp", "code": code_at(current_step())})
    assert response["Location"] == "/activity/"


def test_a_foreign_next_is_dropped_at_the_password_step(enrolled, clock):
    from django.test import Client

    from tests.factories import PASSWORD
    from tests.two_factor.otp import code_at, current_step

    client = Client()
    client.post("/account/sign-in/?next=https://evil.example/", {"username": enrolled.email, "password": PASSWORD})
    response = client.post("/two-step/verify/", {"method": "totp", "code": code_at(current_step())})
    assert response["Location"] == "/"
