"""Items 27-29: trusted devices ("don't ask again on this device")."""

import hashlib

import pytest
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.test import Client

from accounts.services.passwords import password_set
from security.client import SYSTEM
from security.models import SecurityEvent
from security.trusted_devices import events
from security.trusted_devices.models import TrustedDevice
from security.two_factor.services import two_step_disable
from tests.factories import PASSWORD, UserFactory
from tests.two_factor.otp import FIXED_KEY, code_at, current_step

COOKIE = "trusted_device"
UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"


def password_step(client, user, **extra):
    return client.post("/account/sign-in/", {"username": user.email, "password": PASSWORD}, **extra)


def sign_in_and_trust(client, user, *, remember=True, **extra):
    assert password_step(client, user, **extra)["Location"] == "/two-step/verify/"
    data = {"method": "totp", "code": code_at(current_step())}
    if remember:
        data["remember"] = "on"
    response = client.post("/two-step/verify/", data, **extra)
    assert response.status_code == 302, response.content[:500]
    return response


def sign_out(client):
    client.post("/account/sign-out/")


def asks_for_code(client, user) -> bool:
    return password_step(client, user)["Location"] == "/two-step/verify/"


@pytest.fixture
def trusted(enrolled, clock):
    client = Client(HTTP_USER_AGENT=UA)
    response = sign_in_and_trust(client, enrolled, REMOTE_ADDR="203.0.113.7")
    sign_out(client)
    clock.shift(30)
    return client, response


def test_cookie_flags_and_server_side_hash(trusted, enrolled):
    _client, response = trusted
    morsel = response.cookies[COOKIE]
    assert morsel["httponly"] and morsel["samesite"] == "Lax" and morsel["path"] == "/"
    lookup_id, secret = morsel.value.split(".")
    assert len(secret) * 6 >= 256 - 6  # token_urlsafe(32): 256 bits
    device = TrustedDevice.objects.get(user=enrolled)
    assert device.lookup_id == lookup_id
    assert device.token_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(TrustedDevice.objects.values().get())


def test_cookie_is_secure_with_host_prefix_in_production(enrolled, clock, settings):
    settings.SESSION_COOKIE_SECURE = True
    client = Client()
    response = sign_in_and_trust(client, enrolled, secure=True)
    morsel = response.cookies["__Host-trusted_device"]
    assert morsel["secure"] and morsel["httponly"] and morsel["path"] == "/" and not morsel["domain"]


def test_trusted_browser_skips_the_code_but_not_the_password(trusted, enrolled):
    client, _response = trusted
    wrong = client.post("/account/sign-in/", {"username": enrolled.email, "password": "wrong password"})
    assert wrong.status_code == 400
    response = password_step(client, enrolled)
    assert response.status_code == 302 and response["Location"] == "/"
    assert int(client.session["_auth_user_id"]) == enrolled.pk
    assert SecurityEvent.objects.filter(user=enrolled, kind=events.SIGNED_IN_ON_TRUSTED_DEVICE).exists()


def test_trust_is_not_a_fresh_second_factor_nor_otp_verification(trusted, enrolled):
    client, _response = trusted
    password_step(client, enrolled)
    assert "reauth_at" not in client.session and "otp_device_id" not in client.session
    response = client.get("/two-step/recovery-codes/")
    assert response.status_code == 302 and response["Location"].startswith("/confirm/")
    page = client.get(response["Location"]).content.decode()
    assert 'name="code"' in page


def test_other_browsers_still_get_asked(trusted, enrolled):
    assert asks_for_code(Client(), enrolled)


def test_expiry_is_enforced_on_the_server(trusted, enrolled, clock):
    client, _response = trusted
    clock.shift(30 * 24 * 3600 + 1)
    response = password_step(client, enrolled)
    assert response["Location"] == "/two-step/verify/"
    assert response.cookies[COOKIE]["max-age"] == 0  # the dead cookie is cleared


@pytest.mark.parametrize(
    "value",
    ["", "garbage", "a.b", ".", "x" * 10_000, "abc.def.ghi", "<script>", "%F0%9F%98%80.x", "%00.%00"],
)
def test_forged_cookies_are_ignored(trusted, enrolled, value):
    client, _response = trusted
    client.cookies[COOKIE] = value
    response = password_step(client, enrolled)
    assert response.status_code == 302 and response["Location"] == "/two-step/verify/"


def test_a_tampered_cookie_is_ignored_and_cleared(trusted, enrolled):
    client, _response = trusted
    lookup_id, secret = client.cookies[COOKIE].value.split(".")
    client.cookies[COOKIE] = f"{lookup_id}.{secret[:-1]}{'A' if secret[-1] != 'A' else 'B'}"
    response = password_step(client, enrolled)
    assert response["Location"] == "/two-step/verify/"
    assert response.cookies[COOKIE]["max-age"] == 0


def test_another_users_cookie_is_ignored_but_kept(trusted, enrolled, clock):
    client, _response = trusted
    other = UserFactory()
    from security.two_factor.services import authenticator_enroll

    authenticator_enroll(user=other, secret=FIXED_KEY, code=code_at(current_step()), client=SYSTEM)
    response = password_step(client, other)
    assert response["Location"] == "/two-step/verify/"
    assert COOKIE not in response.cookies  # still good for its own account on this shared browser


def test_a_revoked_device_asks_again_and_its_cookie_is_cleared(trusted, enrolled):
    client, _response = trusted
    device = TrustedDevice.objects.get(user=enrolled)
    manager = Client()
    sign_in_and_trust(manager, enrolled, remember=False)
    manager.post(f"/devices/{device.pk}/revoke/", CONFIRMED)
    assert not TrustedDevice.objects.filter(pk=device.pk).exists()
    response = password_step(client, enrolled)
    assert response["Location"] == "/two-step/verify/"
    assert response.cookies[COOKIE]["max-age"] == 0
    assert SecurityEvent.objects.filter(user=enrolled, kind=events.DEVICE_REVOKED).exists()


def test_password_change_revokes_all_trust(trusted, enrolled):
    client, _response = trusted
    password_set(user=enrolled, new_password="Another-Long-Passphrase-42", actor=enrolled, client=SYSTEM)
    assert not TrustedDevice.objects.filter(user=enrolled).exists()
    response = client.post("/account/sign-in/", {"username": enrolled.email, "password": "Another-Long-Passphrase-42"})
    assert response["Location"] == "/two-step/verify/"


def test_turning_two_step_off_revokes_all_trust(trusted, enrolled):
    two_step_disable(user=enrolled, client=SYSTEM)
    assert not TrustedDevice.objects.filter(user=enrolled).exists()
    assert SecurityEvent.objects.filter(user=enrolled, kind=events.DEVICES_REVOKED_ALL).exists()


def test_trust_survives_a_password_rehash(enrolled, clock):
    """Django upgrading the stored hash at sign-in is not a password change (unlike django-two-factor-auth)."""
    client = Client()
    sign_in_and_trust(client, enrolled)
    sign_out(client)
    # A hash from an older hasher, as a row written before the upgrade holds it (a save would count as a change).
    old_hash = make_password(PASSWORD, hasher="pbkdf2_sha256")
    type(enrolled).objects.filter(pk=enrolled.pk).update(password=old_hash)
    response = password_step(client, enrolled)
    assert response["Location"] == "/"
    enrolled.refresh_from_db()
    assert enrolled.password != old_hash and enrolled.password.startswith("argon2")  # it was rehashed
    assert client.get("/").status_code == 200  # and the session is fine
    sign_out(client)
    assert password_step(client, enrolled)["Location"] == "/"  # still trusted


def test_new_trusted_device_is_notified(enrolled, clock, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sign_in_and_trust(Client(HTTP_USER_AGENT=UA), enrolled, REMOTE_ADDR="203.0.113.7")
    event = SecurityEvent.objects.get(user=enrolled, kind=events.DEVICE_TRUSTED)
    assert event.details == {"device": "Chrome on Windows", "ip": "203.0.113.7"} or "Windows" in event.details["device"]
    assert len(mail.outbox) == 1
    assert "203.0.113.7" in mail.outbox[0].body


def test_two_quick_sign_ins_from_one_browser_make_one_device(enrolled, clock):
    first, second = Client(HTTP_USER_AGENT=UA), Client(HTTP_USER_AGENT=UA)
    sign_in_and_trust(first, enrolled, REMOTE_ADDR="203.0.113.7")
    clock.shift(30)
    sign_in_and_trust(second, enrolled, REMOTE_ADDR="203.0.113.7")
    assert TrustedDevice.objects.filter(user=enrolled).count() == 1
    sign_out(second)
    assert password_step(second, enrolled)["Location"] == "/"  # the latest cookie works


def test_without_the_checkbox_nothing_is_trusted(enrolled, clock):
    response = sign_in_and_trust(Client(), enrolled, remember=False)
    assert COOKIE not in response.cookies
    assert not TrustedDevice.objects.exists()


CONFIRMED = {"confirmed": "yes"}  # what only the confirmation page sends


# --- The page --------------------------------------------------------------------------------------------------
def test_list_marks_this_device_and_renames_and_revokes(trusted, enrolled):
    client, _response = trusted
    password_step(client, enrolled)
    page = client.get("/devices/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="this-device"' in page and "Chrome on Windows" in page and "127.0.0.1" in page
    device = TrustedDevice.objects.get(user=enrolled)
    assert client.post(f"/devices/{device.pk}/rename/", {"name": "  Office PC  "})["Location"] == "/devices/"
    device.refresh_from_db()
    assert device.name == "Office PC"
    client.post("/devices/revoke-all/", CONFIRMED)
    assert not TrustedDevice.objects.filter(user=enrolled).exists()
    assert 'data-testid="no-trusted-devices"' in client.get("/devices/").content.decode()


@pytest.mark.parametrize("name", ["", "   ", "x" * 10_000, "bad\x00name", "tab\tname"])
def test_bad_names_get_a_message(trusted, enrolled, name):
    client, _response = trusted
    password_step(client, enrolled)
    device = TrustedDevice.objects.get(user=enrolled)
    response = client.post(f"/devices/{device.pk}/rename/", {"name": name})
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()
    device.refresh_from_db()
    assert device.name == ""


def test_cannot_touch_another_users_device(trusted, enrolled):
    device = TrustedDevice.objects.get(user=enrolled)
    intruder = Client()
    intruder.post("/account/sign-in/", {"username": UserFactory().email, "password": PASSWORD})
    intruder.post(f"/devices/{device.pk}/revoke/", CONFIRMED)
    intruder.post(f"/devices/{device.pk}/rename/", {"name": "mine"})
    device.refresh_from_db()
    assert device.name == ""


def test_forgetting_asks_first_and_the_old_one_click_post_does_nothing(trusted, enrolled):
    client, _response = trusted
    password_step(client, enrolled)
    device = TrustedDevice.objects.get(user=enrolled)
    one = client.get(f"/devices/{device.pk}/revoke/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This browser will be asked for a code at your next sign-in." in one
    assert 'name="confirmed" value="yes"' in one
    every = client.get("/devices/revoke-all/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Chrome on Windows will be asked for a code at its next sign-in." in every
    # The one-click forms the list used to have posted without the confirmation field: they change nothing now.
    assert client.post(f"/devices/{device.pk}/revoke/").status_code == 200
    assert client.post("/devices/revoke-all/").status_code == 200
    assert TrustedDevice.objects.filter(pk=device.pk).exists()
    assert not SecurityEvent.objects.filter(kind__in=[events.DEVICE_REVOKED, events.DEVICES_REVOKED_ALL]).exists()
