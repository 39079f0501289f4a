"""Item 33: staff pass the second step to enter the Django admin; staff without a device set one up."""

import pytest
from django.contrib import admin
from django.test import Client
from django_otp.admin import OTPAdminSite

from tests.factories import PASSWORD, UserFactory
from tests.two_factor.otp import START_STEP, code_at, sign_in_with_password, two_step_sign_in


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, is_superuser=True)


def test_default_admin_site_is_an_otp_site_and_keeps_its_models():
    assert isinstance(admin.site._wrapped, OTPAdminSite)
    assert any(model._meta.label == "accounts.User" for model in admin.site._registry)


def test_staff_without_a_device_are_sent_to_set_one_up(staff):
    client = Client()
    assert client.post("/account/sign-in/", {"username": staff.email, "password": PASSWORD}).status_code == 302
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/two-step/setup/"
    assert client.get("/admin/accounts/user/").status_code == 302


def test_staff_signed_in_through_the_second_step_get_in(staff, clock):
    client = two_step_sign_in(Client(), staff)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200


def test_a_session_that_skipped_the_second_step_is_refused(staff, clock):
    two_step_sign_in(Client(), staff)
    client = Client()
    client.force_login(staff)  # a session without django_otp.login
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/confirm/")
    # Confirming with a code verifies the session; then the admin opens.
    client.post("/confirm/", {"method": "totp", "code": code_at(START_STEP + 1), "next": "/admin/"})
    assert client.get("/admin/").status_code == 302  # the clock has not moved: that code is in the future


def test_reauth_with_a_code_verifies_the_session_for_the_admin(staff, clock):
    two_step_sign_in(Client(), staff)
    clock.shift(30)
    client = Client()
    client.force_login(staff)
    ok = client.post("/confirm/", {"method": "totp", "code": code_at(START_STEP + 1), "next": "/admin/"})
    assert ok["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_anonymous_visitors_go_to_the_portal_sign_in(db):
    response = Client().get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/account/sign-in/")


def test_pending_second_step_is_not_enough_for_the_admin(staff, clock):
    two_step_sign_in(Client(), staff)
    client = Client()
    sign_in_with_password(client, staff)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/account/sign-in/")
