"""Issue 19, "The helpdesk's reach" and the admin's edges (items 33-35): who helpdesk may act on, the
read-only axes pages, and ids or filters that cannot be valid (a 404 or a 400, never a 500)."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group, Permission
from django.test import Client

from security.helpdesk.services import HELPDESK_ACTIONS, HelpdeskTargetProtected, helpdesk_action_perform
from security.models import SecurityEvent
from tests.factories import UserFactory
from tests.helpdesk.test_actions import lock_account, run_action
from tests.two_factor.otp import two_step_sign_in

HUGE = str(2**63)
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.fixture
def superuser_client(db):
    root = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    return two_step_sign_in(Client(), root)


def _protected_target(kind: str):
    target = UserFactory(email=f"{kind}@example.com", is_staff=True, is_superuser=kind == "superuser")
    two_step_sign_in(Client(), target)  # two-step on, so the reset would have something to remove
    lock_account(target)
    target.refresh_from_db()
    return target


# --- Only a superuser acts on staff and superusers ------------------------------------------------------------
@pytest.mark.parametrize("kind", ["superuser", "staff"])
@pytest.mark.parametrize("action", list(HELPDESK_ACTIONS))
def test_helpdesk_cannot_act_on_staff_or_superusers(helpdesk_client, helpdesk_user, action, kind):
    target = _protected_target(kind)
    page = helpdesk_client.get(f"/admin/accounts/user/helpdesk/{action}/?ids={target.pk}", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 403
    html = page.content.decode()
    assert "Only a superuser may do this to staff accounts." in html
    assert 'name="reason"' not in html  # nothing to confirm

    response = run_action(helpdesk_client, action, [target])
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.is_active and target.two_step_enabled and target.is_staff
    assert AccessAttempt.objects.filter(username=target.email).exists()
    refused = SecurityEvent.objects.filter(user=target, kind="helpdesk.action_refused")
    assert refused.count() == 2  # the confirmation page and the POST
    assert all(e.actor == helpdesk_user and e.details == {"action": action} for e in refused)
    assert not SecurityEvent.objects.filter(user=target, actor=helpdesk_user).exclude(pk__in=refused).exists()


def test_the_refusal_is_translated(helpdesk_client):
    target = _protected_target("superuser")
    page = helpdesk_client.get(
        f"/admin/accounts/user/helpdesk/reset_two_step/?ids={target.pk}", HTTP_ACCEPT_LANGUAGE="zh-CN"
    )
    assert "只有超级用户才能对员工账户执行此操作" in page.content.decode()


def test_a_mixed_selection_is_refused_whole(helpdesk_client):
    ordinary, boss = UserFactory(), _protected_target("superuser")
    response = helpdesk_client.post(
        "/admin/accounts/user/helpdesk/disable_account/", {"ids": f"{ordinary.pk},{boss.pk}", "reason": "Ticket 1"}
    )
    assert response.status_code == 403
    ordinary.refresh_from_db()
    boss.refresh_from_db()
    assert ordinary.is_active and boss.is_active


def test_the_service_refuses_too(helpdesk_user):
    """Any caller of the service, not only the admin page."""
    from security.client import SYSTEM

    boss = _protected_target("superuser")
    with pytest.raises(HelpdeskTargetProtected):
        helpdesk_action_perform(
            action_name="disable_account", staff=helpdesk_user, user_ids=[boss.pk], reason="x", client=SYSTEM
        )
    boss.refresh_from_db()
    assert boss.is_active
    assert SecurityEvent.objects.filter(user=boss, kind="helpdesk.action_refused").count() == 1


def test_a_superuser_may_act_on_staff(superuser_client):
    target = _protected_target("staff")
    assert run_action(superuser_client, "reset_two_step", [target]).status_code == 302
    target.refresh_from_db()
    assert not target.two_step_enabled


# --- The axes pages are read-only: the audited action is the only way to clear a lock -------------------------
def test_nobody_deletes_or_changes_axes_records(superuser_client, db):
    target = UserFactory()
    lock_account(target)
    attempt = AccessAttempt.objects.get(username=target.email)
    base = "/admin/axes/accessattempt/"
    assert superuser_client.get(base).status_code == 200
    assert superuser_client.post(f"{base}{attempt.pk}/delete/", {"post": "yes"}).status_code == 403
    for action in ("delete_selected", "cleanup_expired_attempts"):
        superuser_client.post(base, {"action": action, "_selected_action": [attempt.pk], "post": "yes"})
    superuser_client.post(f"{base}{attempt.pk}/change/", {"failures_since_start": "0"})
    attempt.refresh_from_db()
    assert attempt.failures_since_start == 100
    html = superuser_client.get(base).content.decode()
    assert "delete_selected" not in html and "cleanup_expired_attempts" not in html
    for model in ("accesslog", "accessfailurelog"):
        assert superuser_client.get(f"/admin/axes/{model}/add/").status_code == 403


# --- Ids that cannot be a user: a 404, never a 500, never acting on someone else --------------------------------
@pytest.mark.parametrize("ids", ["²", "¹", "9" * 4301, HUGE, str(2**64), "0", "-1", "1e3", "0x1", "1.0", "１"])
def test_helpdesk_ids_that_are_not_ids_are_a_404(helpdesk_client, ids, db):
    bystander = UserFactory()
    for data in ({"ids": ids, "reason": "Ticket 2"}, {"ids": f"{bystander.pk},{ids}", "reason": "Ticket 2"}):
        assert helpdesk_client.get("/admin/accounts/user/helpdesk/disable_account/", data).status_code == 404
        assert helpdesk_client.post("/admin/accounts/user/helpdesk/disable_account/", data).status_code == 404
    bystander.refresh_from_db()
    assert bystander.is_active


def test_digits_of_another_script_do_not_name_a_user(helpdesk_client, db):
    """``int("١")`` is 1: the old code acted on user 1 when given the Arabic-Indic digit."""
    target = UserFactory()
    ids = str(target.pk).translate(ARABIC_INDIC)
    response = helpdesk_client.post("/admin/accounts/user/helpdesk/disable_account/", {"ids": ids, "reason": "x"})
    assert response.status_code == 404
    target.refresh_from_db()
    assert target.is_active


@pytest.mark.parametrize(
    "model", ["accounts/user", "auth/group", "security/securityevent", "axes/accessattempt", "axes/accesslog"]
)
@pytest.mark.parametrize("object_id", [HUGE, "9" * 30, "99999", "²", "abc"])
@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_admin_object_urls_with_a_bad_id_are_a_404(superuser_client, model, object_id, view):
    status = superuser_client.get(f"/admin/{model}/{object_id}/{view}/").status_code
    read_only = model.startswith(("security/", "axes/"))
    assert status == (403 if view == "delete" and read_only else 404)  # nobody deletes there, whatever the id


# --- Filters and form values past the ranges Django expects ------------------------------------------------------
@pytest.mark.parametrize(
    "path,field",
    [
        ("/admin/security/securityevent/", "created_at"),
        ("/admin/axes/accessattempt/", "attempt_time"),
        ("/admin/axes/accesslog/", "attempt_time"),
        ("/admin/axes/accessfailurelog/", "attempt_time"),
    ],
)
@pytest.mark.parametrize(
    "query",
    [
        {"year": "9999"},
        {"year": "1"},
        {"year": "0"},
        {"year": "2026", "month": str(2**63)},
        {"year": "2026", "month": "13"},
        {"year": "2026", "month": "2", "day": "31"},
        {"year": "9999", "month": "12", "day": "31"},
        {"year": "²"},
        {"month": str(2**63)},
    ],
)
def test_date_hierarchy_out_of_range_is_a_400(superuser_client, path, field, query):
    response = superuser_client.get(path, {f"{field}__{unit}": value for unit, value in query.items()})
    assert response.status_code == 400
    assert (
        "is not a valid date"
        in superuser_client.get(
            path, {f"{field}__{unit}": value for unit, value in query.items()}, HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    )


@pytest.mark.parametrize("path", ["/admin/security/securityevent/", "/admin/axes/accessattempt/"])
def test_lists_with_a_date_hierarchy_render_with_rows(superuser_client, helpdesk_user, path):
    """On MariaDB without time zone tables, Django's date links were a 500; the list shows without them."""
    SecurityEvent.objects.create(user=helpdesk_user, kind="helpdesk.disabled_account", actor_kind="system")
    lock_account(helpdesk_user)
    assert superuser_client.get(path).status_code == 200


def test_date_hierarchy_in_range_still_filters(superuser_client, helpdesk_user):
    SecurityEvent.objects.create(user=helpdesk_user, kind="helpdesk.disabled_account", actor_kind="system")
    page = superuser_client.get(
        "/admin/security/securityevent/", {"created_at__year": "2026", "created_at__month": "1"}
    )
    assert page.status_code == 200


@pytest.mark.parametrize("bad", [HUGE, str(2**64), "9" * 4301, "²"])
def test_many_to_many_ids_past_the_key_range_are_a_form_error(superuser_client, bad):
    group = Group.objects.create(name="Auditors")
    keep = Permission.objects.get(codename="view_securityevent")
    group.permissions.add(keep)
    response = superuser_client.post(
        f"/admin/auth/group/{group.pk}/change/", {"name": "Auditors", "permissions": [bad]}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200 and "is not a valid value" in response.content.decode()
    assert list(group.permissions.all()) == [keep]

    target = UserFactory()
    data = {"email": target.email, "full_name": "", "language": "", "is_active": "on", "groups": [bad]}
    response = superuser_client.post(f"/admin/accounts/user/{target.pk}/change/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "is not a valid value" in response.content.decode()
    response = superuser_client.post("/admin/accounts/user/add/", {**data, "email": "new@example.com"})
    assert response.status_code == 200
    assert not target.groups.exists()
