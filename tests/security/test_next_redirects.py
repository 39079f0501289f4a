"""A ``next`` that is not a local path never breaks a sign-in (issue: server errors found by fuzzing).

Every redirect to a user-supplied target goes through ``portal.http``: only a path on this site is followed, anything
else gives the page's default. The target is settled before any side effect, and the success of the second step is
one transaction, so a request that fails leaves no sign-in event, session, trusted device or used code behind.
"""

from urllib.parse import urlencode

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from accounts import events
from portal.http import local_path
from security.models import SecurityEvent
from security.trusted_devices.models import TrustedDevice
from tests.factories import PASSWORD, UserFactory
from tests.two_factor.otp import START_STEP, code_at, sign_in_with_password, two_step_sign_in

NOT_PATHS = [
    "overview",
    "foo",
    "{{ 7*7 }}",
    "+8613812345678",
    "security:overview",
    "//evil.test",
    "/\\evil.test",
    "/\t/evil.test",
    "https://evil.test/",
    "http://testserver/activity/",
    "javascript:alert(1)",
    " /activity/",
    "/activity/\n",
]


@pytest.mark.parametrize("target", NOT_PATHS)
def test_only_local_paths_are_followed(target):
    assert local_path(target) is None


@pytest.mark.parametrize("target", ["/", "/activity/", "/admin/accounts/user/?q=%E6%9D%8E", "/a:b/"])
def test_local_paths_are_kept(target):
    assert local_path(target) == target


def _with_next(path: str, target: str) -> str:
    return f"{path}?{urlencode({'next': target})}"


@pytest.mark.parametrize("target", NOT_PATHS)
def test_sign_in_with_a_bad_next_signs_in_once_and_goes_home(client, user, target):
    response = client.post(_with_next("/account/sign-in/", target), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert SecurityEvent.objects.filter(user=user, kind=events.SIGNED_IN).count() == 1
    assert Session.objects.count() == 1


@pytest.mark.parametrize("target", NOT_PATHS)
def test_second_step_with_a_bad_next_trusts_once_and_goes_home(enrolled, target):
    client = Client()
    first = client.post(_with_next("/account/sign-in/", target), {"username": enrolled.email, "password": PASSWORD})
    assert first["Location"] == "/two-step/verify/"
    response = client.post("/two-step/verify/", {"method": "totp", "code": code_at(START_STEP), "remember": "on"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert TrustedDevice.objects.filter(user=enrolled).count() == 1
    assert SecurityEvent.objects.filter(user=enrolled, kind=events.SIGNED_IN).count() == 1


@pytest.mark.parametrize("target", NOT_PATHS)
def test_confirm_with_a_bad_next_goes_home(client_signed_in, target):
    response = client_signed_in.post("/confirm/", {"password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("target", NOT_PATHS)
def test_admin_login_with_a_bad_next_goes_to_the_admin(db, clock, target):
    staff = two_step_sign_in(Client(), UserFactory(is_staff=True, is_superuser=True))
    response = staff.get(_with_next("/admin/login/", target))
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_good_next_paths_are_still_followed(client, user):
    assert (
        client.post(_with_next("/account/sign-in/", "/activity/"), {"username": user.email, "password": PASSWORD})[
            "Location"
        ]
        == "/activity/"
    )
    assert client.post("/confirm/", {"password": PASSWORD, "next": "/activity/"})["Location"] == "/activity/"


def test_a_second_step_that_fails_after_the_code_commits_nothing(enrolled, monkeypatch):
    """Anything that breaks after the code was accepted rolls back the sign-in: the code can be used again."""
    from security.trusted_devices import services as trusted_devices

    client = Client(raise_request_exception=False)
    sign_in_with_password(client, enrolled)
    sessions_before = Session.objects.count()
    real_create = trusted_devices.trusted_device_create

    def create_then_fail(**kwargs):
        real_create(**kwargs)
        raise RuntimeError("mail server down")

    monkeypatch.setattr(trusted_devices, "trusted_device_create", create_then_fail)
    code = {"method": "totp", "code": code_at(START_STEP), "remember": "on"}
    assert client.post("/two-step/verify/", code).status_code == 500
    assert SecurityEvent.objects.filter(user=enrolled, kind=events.SIGNED_IN).count() == 0
    assert TrustedDevice.objects.filter(user=enrolled).count() == 0
    assert Session.objects.count() == sessions_before
    monkeypatch.setattr(trusted_devices, "trusted_device_create", real_create)
    assert client.post("/two-step/verify/", code)["Location"] == "/"  # the step was not used up


def test_a_sign_in_that_fails_half_way_commits_nothing(user, monkeypatch):
    import accounts.services.sign_in as sign_in

    real_record = sign_in.security_event_record

    def record_then_fail(**kwargs):
        real_record(**kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(sign_in, "security_event_record", record_then_fail)
    client = Client(raise_request_exception=False)
    assert client.post("/account/sign-in/", {"username": user.email, "password": PASSWORD}).status_code == 500
    assert SecurityEvent.objects.filter(user=user, kind=events.SIGNED_IN).count() == 0
    assert Session.objects.count() == 0
