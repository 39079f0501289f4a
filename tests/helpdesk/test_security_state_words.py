"""Issue 13: what helpdesk staff read to a caller is words and local dates, never Python data; statuses read as
statuses; the reason is required by the server, in the staff member's language."""

import re

import pytest
from django.utils import timezone

from security.client import SYSTEM
from security.models import SecurityEvent
from security.two_factor.services import authenticator_enroll
from tests.factories import UserFactory
from tests.helpdesk.test_actions import lock_account, run_action
from tests.two_factor.otp import code_at, current_step

USER_KEY = b"user-key-01234567890"


def user_page(client, user, language):
    response = client.get(f"/admin/accounts/user/{user.pk}/change/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_factors_are_words_and_local_dates(helpdesk_client, db):
    user = UserFactory()
    authenticator_enroll(user=user, secret=USER_KEY, code=code_at(current_step() - 1, USER_KEY), client=SYSTEM)
    added = timezone.localtime(user.authenticatordevice_set.get().created_at)
    zh = user_page(helpdesk_client, user, "zh-CN")
    state = zh[zh.index('id="security-state"') :]
    state = state[: state.index("</fieldset>")]
    for python in ("{'kind'", "datetime.datetime", "'added_at'", "tzinfo"):
        assert python not in state
    assert "身份验证器应用" in state or "验证器" in state
    assert f"{added.year}年{added.month}月{added.day}日 {added:%H:%M}" in state
    assert re.search(r"还剩 10 个|10 个未使用", state), state
    en = user_page(helpdesk_client, user, "en")
    assert f"{added.day} {added:%b %Y, %H:%M}" in en
    assert "10 unused recovery codes." in en


def test_revoked_status_reads_as_a_status_not_a_field_name(helpdesk_client, db):
    from security.app_passwords.services import app_password_create, app_password_revoke

    user = UserFactory()
    created = app_password_create(user=user, name="Outlook", scope="smtp", actor=user, client=SYSTEM)
    app_password_revoke(user=user, app_password_id=created.app_password.pk, actor=user, client=SYSTEM)
    table = user_page(helpdesk_client, user, "zh-CN").split('id="app-passwords"')[1].split("</table>")[0]
    assert "已撤销" in table
    assert "撤销时间" not in table


def test_failed_attempts_count_in_the_singular(helpdesk_client, db):
    user = UserFactory()
    lock_account(user)
    from axes.models import AccessAttempt

    AccessAttempt.objects.filter(username=user.email).update(failures_since_start=1)
    assert "· 1 failed attempt</div>" in user_page(helpdesk_client, user, "en")


@pytest.mark.parametrize(("language", "sentence"), [("en", "Give a reason: the user will see it."), ("zh-CN", None)])
def test_the_server_requires_the_reason_in_the_staff_members_language(helpdesk_client, db, language, sentence):
    from django.utils import translation

    user = UserFactory()
    lock_account(user)
    ids = str(user.pk)
    page = helpdesk_client.get(
        f"/admin/accounts/user/helpdesk/clear_sign_in_lock/?ids={ids}", HTTP_ACCEPT_LANGUAGE=language
    )
    assert '<form method="post" novalidate>' in page.content.decode()  # no browser-only tooltip stands in for it
    response = helpdesk_client.post(
        "/admin/accounts/user/helpdesk/clear_sign_in_lock/", {"ids": ids, "reason": "  "}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 400
    if sentence is None:
        with translation.override("zh-hans"):
            sentence = translation.gettext("Give a reason: the user will see it.")
        assert sentence != "Give a reason: the user will see it."
    html = response.content.decode()
    assert sentence in html
    assert 'id="id_reason_error"' in html and 'aria-describedby="id_reason_error"' in html
    assert not SecurityEvent.objects.filter(user=user, kind__startswith="helpdesk.").exists()
    assert run_action(helpdesk_client, "clear_sign_in_lock", [user]).status_code == 302


def test_the_admin_names_django_axes_in_chinese(db):
    from django.test import Client

    from tests.two_factor.otp import two_step_sign_in

    root = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    client = two_step_sign_in(Client(), root)
    html = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert ">登录锁定<" in html and ">登录失败计数<" in html
    for english in ("Axes", "Access attempts", "Access failures", "Access logs"):
        assert f">{english}<" not in html
    listing = client.get("/admin/axes/accessattempt/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert '<label for="searchbar">搜索</label>' in listing  # a visible label, not an icon saying "Search"
