import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client

from security.helpdesk.services import HELPDESK_ACTIONS
from security.models import SecurityEvent
from tests.factories import PASSWORD, UserFactory
from tests.two_factor.otp import two_step_sign_in


def run_action(client, action, users, reason="Ticket #4711: user lost their phone"):
    ids = ",".join(str(u.pk) for u in users)
    return client.post(f"/admin/accounts/user/helpdesk/{action}/", {"ids": ids, "reason": reason})


def lock_account(user):
    """What django-axes leaves after 100 failed sign-ins."""
    AccessAttempt.objects.create(
        username=user.email,
        ip_address="198.51.100.9",
        user_agent="x",
        failures_since_start=100,
        get_data="",
        post_data="",
        path_info="/account/sign-in/",
    )


@pytest.fixture
def locked_user(db):
    user = UserFactory(email="locked@example.com")
    lock_account(user)
    return user


def test_helpdesk_group_has_exactly_the_needed_permissions(db):
    from django.contrib.auth.models import Group

    codenames = set(Group.objects.get(name="Helpdesk").permissions.values_list("codename", flat=True))
    assert codenames == {
        "view_user",
        "view_securityevent",
        "view_accessattempt",
        "helpdesk_reset_two_step",
        "helpdesk_unbind_phone",
        "helpdesk_revoke_app_passwords",
        "helpdesk_forget_trusted_devices",
        "helpdesk_end_sessions",
        "helpdesk_clear_sign_in_lock",
        "helpdesk_disable_account",
    }
    assert not codenames & {"change_user", "add_user", "delete_user", "change_group", "change_securityevent"}


def test_confirmation_page_lists_users_and_asks_for_a_reason(helpdesk_client, locked_user):
    page = helpdesk_client.get(f"/admin/accounts/user/helpdesk/clear_sign_in_lock/?ids={locked_user.pk}")
    assert page.status_code == 200
    assert locked_user.email in page.content.decode()
    assert 'name="reason"' in page.content.decode()


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_reason_is_required_and_bounded(helpdesk_client, locked_user, reason):
    response = run_action(helpdesk_client, "clear_sign_in_lock", [locked_user], reason=reason)
    assert response.status_code == 400
    assert AccessAttempt.objects.filter(username=locked_user.email).exists()
    assert not SecurityEvent.objects.filter(user=locked_user, kind__startswith="helpdesk.").exists()


def test_clear_sign_in_lock(helpdesk_client, helpdesk_user, locked_user, django_capture_on_commit_callbacks):
    assert Client().post("/account/sign-in/", {"username": locked_user.email, "password": PASSWORD}).status_code == 429
    with django_capture_on_commit_callbacks(execute=True):
        assert run_action(helpdesk_client, "clear_sign_in_lock", [locked_user]).status_code == 302
    assert not AccessAttempt.objects.filter(username=locked_user.email).exists()
    assert Client().post("/account/sign-in/", {"username": locked_user.email, "password": PASSWORD}).status_code == 302
    event = SecurityEvent.objects.get(user=locked_user, kind="helpdesk.cleared_sign_in_lock")
    assert event.actor == helpdesk_user and event.actor_kind == "staff"
    assert event.details["reason"] == "Ticket #4711: user lost their phone"
    assert [m.to for m in mail.outbox] == [[locked_user.email]]
    assert "Ticket #4711" in mail.outbox[0].body
    activity = Client()
    activity.post("/account/sign-in/", {"username": locked_user.email, "password": PASSWORD})
    page = re.sub(r"<[^>]+>", "", activity.get("/activity/", HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert "Helpdesk cleared the sign-in lock (by the helpdesk: Ticket #4711: user lost their phone)" in page


def test_end_sessions(helpdesk_client, db):
    user = UserFactory()
    users_browser = Client()
    users_browser.post("/account/sign-in/", {"username": user.email, "password": PASSWORD})
    assert users_browser.get("/").status_code == 200
    from security.sessions.models import UserSession

    assert UserSession.objects.filter(user=user).count() == 1
    run_action(helpdesk_client, "end_sessions", [user])
    assert users_browser.get("/").status_code == 302
    assert not UserSession.objects.filter(user=user).exists()
    event = SecurityEvent.objects.get(user=user, kind="sessions.ended_all")
    assert event.actor_kind == "staff" and event.details["reason"].startswith("Ticket #4711")


def test_disable_account_works_in_bulk(helpdesk_client, db):
    from accounts.signals import credentials_reset

    first, second = UserFactory(), UserFactory()
    browser = Client()
    browser.post("/account/sign-in/", {"username": first.email, "password": PASSWORD})
    revoked = []
    credentials_reset.connect(lambda **kw: revoked.append(kw["user"].pk), weak=False, dispatch_uid="test")
    try:
        response = helpdesk_client.post(
            "/admin/accounts/user/", {"action": "helpdesk_disable_account", "_selected_action": [first.pk, second.pk]}
        )
        assert response.status_code == 302
        assert "/helpdesk/disable_account/?ids=" in response["Location"]
        helpdesk_client.post(response["Location"], {"reason": "Account compromised, see ticket 88"})
    finally:
        credentials_reset.disconnect(dispatch_uid="test")
    first.refresh_from_db()
    second.refresh_from_db()
    assert not first.is_active and not second.is_active
    assert sorted(revoked) == sorted([first.pk, second.pk])
    assert browser.get("/").status_code == 302
    assert Client().post("/account/sign-in/", {"username": first.email, "password": PASSWORD}).status_code == 400


@pytest.mark.parametrize("action", list(HELPDESK_ACTIONS))
def test_non_staff_cannot_run_any_action(client_signed_in, user, action):
    response = run_action(client_signed_in, action, [user])
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert not SecurityEvent.objects.filter(kind__startswith="helpdesk.").exists()


@pytest.mark.parametrize("action", list(HELPDESK_ACTIONS))
def test_staff_without_the_permission_cannot(action, db):
    staff = UserFactory(is_staff=True)
    client = two_step_sign_in(Client(), staff)  # past the admin's second step, so only the permission is missing
    target = UserFactory()
    assert run_action(client, action, [target]).status_code == 403


def test_helpdesk_cannot_make_anyone_staff(helpdesk_client, db):
    target = UserFactory()
    page = helpdesk_client.get(f"/admin/accounts/user/{target.pk}/change/")
    assert page.status_code == 200
    assert 'name="is_staff"' not in page.content.decode()
    helpdesk_client.post(f"/admin/accounts/user/{target.pk}/change/", {"is_staff": "on", "is_superuser": "on"})
    target.refresh_from_db()
    assert not target.is_staff and not target.is_superuser


def test_helpdesk_cannot_change_or_delete_the_audit_log(helpdesk_client, locked_user):
    run_action(helpdesk_client, "clear_sign_in_lock", [locked_user])
    event = SecurityEvent.objects.get(user=locked_user)
    assert helpdesk_client.post(f"/admin/security/securityevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    helpdesk_client.post(f"/admin/security/securityevent/{event.pk}/change/", {"kind": "x"})
    event.refresh_from_db()
    assert event.kind == "helpdesk.cleared_sign_in_lock"


def test_audit_log_exports_csv(helpdesk_client, locked_user):
    run_action(helpdesk_client, "clear_sign_in_lock", [locked_user])
    event = SecurityEvent.objects.get(user=locked_user)
    response = helpdesk_client.post(
        "/admin/security/securityevent/", {"action": "export_csv", "_selected_action": [event.pk]}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8-sig")
    assert body.splitlines()[0].startswith("time,user,event")
    assert "locked@example.com" in body and "helpdesk@example.com" in body and "Ticket #4711" in body


def test_no_secret_in_the_admin_user_page(helpdesk_client, db):
    target = UserFactory(email="secretive@example.com")
    html = helpdesk_client.get(f"/admin/accounts/user/{target.pk}/change/").content.decode()
    assert target.password not in html
    assert target.password.split("$")[-1] not in html  # not even the hash part
    assert target.security_stamp not in html
    assert 'type="password"' not in html
    assert 'id="security-state"' in html
    assert 'data-testid="lock-state"' in html


def test_unbind_phone(helpdesk_client, helpdesk_user, django_capture_on_commit_callbacks):
    from security.phone.models import PhoneBinding
    from tests.phone.factories import PhoneBindingFactory

    binding = PhoneBindingFactory()
    user = binding.user
    with django_capture_on_commit_callbacks(execute=True):
        assert run_action(helpdesk_client, "unbind_phone", [user]).status_code == 302
    assert not PhoneBinding.objects.filter(user=user).exists()
    event = SecurityEvent.objects.get(user=user, kind="phone_removed")
    assert event.actor == helpdesk_user and event.actor_kind == "staff"
    assert event.details["reason"] == "Ticket #4711: user lost their phone"
    assert "Ticket #4711" in mail.outbox[-1].body
    assert "8613812345678" not in mail.outbox[-1].body


def test_revoke_all_app_passwords_and_no_secret_on_the_user_page(helpdesk_client, helpdesk_user):
    from security.app_passwords.models import AppPassword
    from security.app_passwords.services import app_password_create
    from security.client import SYSTEM

    user = UserFactory()
    created = [
        app_password_create(user=user, name=name, scope="smtp", actor=user, client=SYSTEM)
        for name in ("Outlook", "Foxmail")
    ]
    html = helpdesk_client.get(f"/admin/accounts/user/{user.pk}/change/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Outlook" in html and "Foxmail" in html
    for item in created:
        assert item.secret not in html
        assert item.app_password.token_sha256 not in html

    assert run_action(helpdesk_client, "revoke_app_passwords", [user]).status_code == 302
    assert not AppPassword.objects.filter(user=user, revoked_at__isnull=True).exists()
    event = SecurityEvent.objects.get(user=user, kind="app_password.revoked_all")
    assert event.actor == helpdesk_user
    assert event.details == {"count": 2, "reason": "Ticket #4711: user lost their phone"}


def _user_with_two_step_and_trust():
    from security.client import Client as ClientInfo
    from security.trusted_devices.services import trusted_device_create
    from tests.two_factor.otp import FIXED_KEY, two_step_sign_in

    user = UserFactory()
    browser = two_step_sign_in(Client(), user, key=FIXED_KEY)
    trusted_device_create(user=user, client=ClientInfo(ip="203.0.113.7", user_agent="Firefox"), cookie_value=None)
    user.refresh_from_db()
    return user, browser


@pytest.mark.parametrize("require_setup", [False, True])
def test_reset_two_step(helpdesk_client, helpdesk_user, require_setup, django_capture_on_commit_callbacks):
    from django_otp import devices_for_user

    from security.trusted_devices.models import TrustedDevice

    user, _browser = _user_with_two_step_and_trust()
    assert user.two_step_enabled and TrustedDevice.objects.filter(user=user).exists()
    data = {"ids": str(user.pk), "reason": "Lost phone, identity checked in person"}
    if require_setup:
        data["require_setup"] = "on"
    with django_capture_on_commit_callbacks(execute=True):
        response = helpdesk_client.post("/admin/accounts/user/helpdesk/reset_two_step/", data)
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.two_step_enabled
    assert list(devices_for_user(user, confirmed=None)) == []  # authenticator and recovery codes
    assert not TrustedDevice.objects.filter(user=user).exists()
    assert user.two_step_setup_required is require_setup
    event = SecurityEvent.objects.get(user=user, kind="two_step.disabled")
    assert event.actor == helpdesk_user and event.details["reason"] == "Lost phone, identity checked in person"
    assert any("Lost phone, identity checked in person" in m.body for m in mail.outbox if m.to == [user.email])

    # The user signs in with the password alone; if setup is required, every page leads to setup.
    browser = Client()
    assert browser.post("/account/sign-in/", {"username": user.email, "password": PASSWORD}).status_code == 302
    overview = browser.get("/")
    if require_setup:
        assert overview.status_code == 302 and overview["Location"] == "/two-step/setup/"
    else:
        assert overview.status_code == 200


def test_forget_trusted_devices(helpdesk_client, helpdesk_user):
    from security.trusted_devices.models import TrustedDevice

    user, _browser = _user_with_two_step_and_trust()
    assert run_action(helpdesk_client, "forget_trusted_devices", [user]).status_code == 302
    assert not TrustedDevice.objects.filter(user=user).exists()
    user.refresh_from_db()
    assert user.two_step_enabled  # only the devices are forgotten
    event = SecurityEvent.objects.get(user=user, kind="trusted_devices.revoked_all")
    assert event.actor == helpdesk_user and event.details["reason"].startswith("Ticket #4711")


@pytest.mark.parametrize("term", ["13812345678", "+86 138 1234 5678", "138-1234-5678", "zhou"])
def test_search_by_phone_or_name_shows_the_phone_masked(helpdesk_client, term):
    from tests.phone.factories import PhoneBindingFactory

    binding = PhoneBindingFactory(user=UserFactory(email="zhou.jie@example.com", full_name="Zhou Jie"))
    UserFactory(email="someone.else@example.com")
    page = helpdesk_client.get("/admin/accounts/user/", {"q": term}).content.decode()
    assert binding.user.email in page
    assert "someone.else@example.com" not in page
    assert "+86 138****5678" in page
    assert "+8613812345678" not in page  # only the masked form (the search box echoes what staff typed)


def test_user_page_lists_devices_and_sessions_without_tokens(helpdesk_client):
    from security.sessions.models import UserSession
    from security.trusted_devices.models import TrustedDevice

    user, _browser = _user_with_two_step_and_trust()
    html = helpdesk_client.get(f"/admin/accounts/user/{user.pk}/change/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    device = TrustedDevice.objects.get(user=user)
    session = UserSession.objects.get(user=user)
    assert 'id="trusted-devices"' in html and "203.0.113.7" in html
    assert 'id="sessions"' in html
    assert device.token_sha256 not in html
    assert session.session_key not in html


@pytest.mark.parametrize("action", list(HELPDESK_ACTIONS))
def test_every_action_tells_the_user_why(action, helpdesk_client, helpdesk_user, django_capture_on_commit_callbacks):
    """Each action, on a user who has something for it to act on: an audit row by the staff member with the reason
    (consequences, such as devices forgotten with two-step, are recorded too), and an e-mail carrying the reason."""
    from tests.phone.factories import PhoneBindingFactory

    user, _browser = _user_with_two_step_and_trust()
    PhoneBindingFactory(user=user)
    from security.app_passwords.services import app_password_create
    from security.client import SYSTEM

    app_password_create(user=user, name="Outlook", scope="smtp", actor=user, client=SYSTEM)
    lock_account(user)
    mail.outbox.clear()
    before = set(SecurityEvent.objects.filter(user=user).values_list("pk", flat=True))
    reason = f"Ticket 90210 ({action})"
    with django_capture_on_commit_callbacks(execute=True):
        assert run_action(helpdesk_client, action, [user], reason=reason).status_code == 302
    staff_events = SecurityEvent.objects.filter(user=user, actor=helpdesk_user).exclude(pk__in=before)
    assert staff_events.count() >= 1
    assert any(event.details.get("reason") == reason for event in staff_events)
    assert any(reason in message.body for message in mail.outbox if message.to == [user.email])
