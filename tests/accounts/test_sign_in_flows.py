"""The sign-in flows return what the view applies (portal/flows.py): the next URL, messages and cookies. Nothing is
left on the request for a middleware to turn into a cookie, and "may this browser skip the code?" is asked through
accounts' registry, which trusted devices (and anything else) register into."""

import pytest
from django.test import Client

from accounts.second_step import SecondStepSkip, SkipAnswer, second_step_skip_register, second_step_skip_unregister
from portal.flows import CookieChange
from security.models import SecurityEvent
from security.trusted_devices.models import TrustedDevice
from security.trusted_devices.services import trusted_device_cookie_name
from tests.factories import PASSWORD
from tests.two_factor.otp import START_STEP, code_at, sign_in_with_password


@pytest.fixture
def let_everyone_skip():
    seen = []

    def check(*, request, user, client):
        seen.append(user.pk)
        return SkipAnswer(skip=True, cookies=(CookieChange(name="skip_probe", value="1"),))

    second_step_skip_register(SecondStepSkip(key="probe", check=check))
    yield seen
    second_step_skip_unregister("probe")


def test_a_registered_skip_replaces_the_code_and_its_cookie_is_set_by_the_view(enrolled, let_everyone_skip):
    client = Client()
    response = client.post("/account/sign-in/", {"username": enrolled.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert let_everyone_skip == [enrolled.pk]
    assert response.cookies["skip_probe"].value == "1"
    assert "_auth_user_id" in client.session
    assert "reauth_at" not in client.session  # a skip is never a fresh second factor


def test_a_skip_is_asked_only_after_the_right_password(enrolled, let_everyone_skip):
    response = Client().post("/account/sign-in/", {"username": enrolled.email, "password": "wrong"})
    assert response.status_code == 400 and let_everyone_skip == []


def test_trusting_the_browser_returns_its_cookie_from_the_flow(enrolled, clock, rf):
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore

    from security.two_factor.flows import sign_in_second_step

    client = Client()
    sign_in_with_password(client, enrolled)
    request = rf.post("/two-step/verify/", {"method": "totp", "code": code_at(START_STEP), "remember": "on"})
    request.session = SessionStore(session_key=client.session.session_key)
    request.user = AnonymousUser()
    request._messages = FallbackStorage(request)
    result = sign_in_second_step(request)
    assert result.redirect_to == "/"
    [cookie] = result.cookies
    assert cookie.name == trusted_device_cookie_name() and not cookie.delete
    lookup_id = cookie.value.split(".")[0]
    assert TrustedDevice.objects.filter(user=enrolled, lookup_id=lookup_id).exists()
    assert not [name for name in vars(request) if "trusted_device" in name]  # nothing hidden on the request
    assert SecurityEvent.objects.filter(user=enrolled, kind="account.signed_in").exists()


def test_the_verify_page_sets_the_trusted_device_cookie_itself(enrolled, clock):
    client = Client()
    sign_in_with_password(client, enrolled)
    response = client.post("/two-step/verify/", {"method": "totp", "code": code_at(START_STEP), "remember": "on"})
    assert response.status_code == 302
    morsel = response.cookies[trusted_device_cookie_name()]
    assert morsel["httponly"] and morsel["samesite"] == "Lax" and morsel.value.count(".") == 1
