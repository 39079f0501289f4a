"""Items 4, 25, 28: whenever the stored password stops verifying the old one, by whatever path, the security
stamp rotates and ``credentials_reset`` fires in the same transaction: the old session, the trusted-device cookie and
every app password stop working. Django re-hashing the same password at sign-in is not a change."""

import pytest
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection
from django.test import Client

from accounts import events
from accounts.models import User
from accounts.signals import credentials_reset
from security.client import SYSTEM
from security.models import SecurityEvent
from security.trusted_devices.services import trusted_device_create, trusted_device_current_id
from tests.factories import PASSWORD, UserFactory
from tests.two_factor.otp import two_step_sign_in

NEW = "Seven-Purple-Kites-Drift"


class Credentials:
    """What a user holds that the old password opened: a signed-in browser, a trusted device and an app password."""

    def __init__(self, user, make_app_password):
        self.user = user
        self.session = Client()
        assert self.session.post("/account/sign-in/", {"username": user.email, "password": PASSWORD}).status_code == 302
        _device, self.device_cookie = trusted_device_create(user=user, client=SYSTEM, cookie_value=None)
        self.app_password = make_app_password(user)
        assert self.all_work() == {"session": True, "trusted device": True, "app password": True}

    def all_work(self) -> dict:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM mail_app_passwords WHERE app_password_id = %s",
                [self.app_password.app_password.pk],
            )
            app_password_rows = cursor.fetchone()[0]
        user = User.objects.get(pk=self.user.pk)
        return {
            "session": self.session.get("/").status_code == 200,
            "trusted device": trusted_device_current_id(user=user, cookie_value=self.device_cookie) is not None,
            "app password": app_password_rows > 0,
        }


NONE_WORK = {"session": False, "trusted device": False, "app password": False}


@pytest.fixture
def held(user, make_app_password):
    return Credentials(user, make_app_password)


def _changed_events(user) -> int:
    return SecurityEvent.objects.filter(user=user, kind=events.PASSWORD_CHANGED).count()


def test_manage_py_changepassword(held, user, monkeypatch):
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW)  # the command reads the terminal
    call_command("changepassword", user.email, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert User.objects.get(pk=user.pk).check_password(NEW)
    assert held.all_work() == NONE_WORK
    assert _changed_events(user) == 1


@pytest.mark.parametrize("update_fields", [None, ["password"]])
def test_set_password_and_save(held, user, update_fields):
    user = User.objects.get(pk=user.pk)
    user.set_password(NEW)
    user.save(update_fields=update_fields)
    stored = User.objects.get(pk=user.pk)
    assert stored.security_stamp == user.security_stamp and stored.password_changed_at is not None
    assert held.all_work() == NONE_WORK
    assert _changed_events(user) == 1


def test_an_unusable_password_is_a_change_too(held, user):
    user = User.objects.get(pk=user.pk)
    user.set_unusable_password()
    user.save()
    assert held.all_work() == NONE_WORK


def test_credentials_reset_runs_in_the_same_transaction(held, user):
    def refuse(**kwargs):
        raise RuntimeError("listener failed")

    credentials_reset.connect(refuse, weak=False, dispatch_uid="test-refuse")
    try:
        user = User.objects.get(pk=user.pk)
        user.set_password(NEW)
        with pytest.raises(RuntimeError):
            user.save()
    finally:
        credentials_reset.disconnect(dispatch_uid="test-refuse")
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)  # the change was rolled back with the listener
    assert held.all_work() == {"session": True, "trusted device": True, "app password": True}


def test_saving_other_fields_or_the_same_password_is_not_a_change(held, user):
    user = User.objects.get(pk=user.pk)
    user.full_name = "Someone Else"
    user.save()
    user.set_password(PASSWORD)  # a new salt, the same password
    user.save()
    assert held.all_work() == {"session": True, "trusted device": True, "app password": True}
    assert _changed_events(user) == 0


def test_a_rehash_at_sign_in_is_not_a_change(held, user):
    """Django upgrades an old hasher's hash when the password is checked: the same password, so nothing ends."""
    old_hash = make_password(PASSWORD, hasher="pbkdf2_sha256")
    User.objects.filter(pk=user.pk).update(password=old_hash)  # a row written before the hasher changed
    assert Client().post("/account/sign-in/", {"username": user.email, "password": PASSWORD}).status_code == 302
    stored = User.objects.get(pk=user.pk)
    assert stored.password != old_hash and stored.password.startswith("argon2$")
    assert held.all_work() == {"session": True, "trusted device": True, "app password": True}
    assert _changed_events(user) == 0


def test_the_admin_offers_no_password_form(held, user, clock):
    staff = UserFactory(is_staff=True, is_superuser=True)
    admin = two_step_sign_in(Client(), staff)
    change_url = f"/admin/accounts/user/{user.pk}/change/"
    page = admin.get(change_url)
    assert page.status_code == 200
    assert 'type="password"' not in page.content.decode()
    # Django's password page for users is not routed: the URL ends in "no such object" (a 404), never a form.
    password_page = admin.get(f"/admin/accounts/user/{user.pk}/password/", follow=True)
    assert password_page.status_code == 404
    assert 'type="password"' not in password_page.content.decode()
    # A password posted with the form anyway is ignored: the form has no such field.
    form = {"full_name": "Renamed", "language": "en", "is_active": "on", "password": NEW, "password1": NEW}
    assert admin.post(change_url, form).status_code == 302
    stored = User.objects.get(pk=user.pk)
    assert stored.full_name == "Renamed" and stored.check_password(PASSWORD)
    assert held.all_work() == {"session": True, "trusted device": True, "app password": True}
