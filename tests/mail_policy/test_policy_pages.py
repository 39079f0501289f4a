"""Where people see what the policy server learned: the app-password page, the activity page, the helpdesk."""

import re

import pytest

from security.mail_policy.models import MailAccountUse
from security.models import SecurityEvent
from tests.helpdesk.conftest import helpdesk_client, helpdesk_user  # noqa: F401

from .conftest import login_body


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def report(policy, login, *, success, credential_id="", protocol="imap", pwhash="", remote="203.0.113.7"):
    body = login_body(login, remote=remote, protocol=protocol, pwhash=pwhash, success=success, policy_reject=False)
    body["credential_id"] = credential_id
    assert policy("report", body)[0] == 200


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "used over IMAP from 203.0.113.7, 0 minutes ago"), ("zh-hans", "0 分钟前通过 IMAP 从 203.0.113.7 使用")],
)
def test_app_password_page_and_activity_show_last_use(
    policy, user, client_signed_in, make_app_password, language, expected
):
    a = make_app_password(user, name="Thunderbird", scope="all").app_password
    make_app_password(user, name="Unused phone")
    report(policy, user.email, success=True, credential_id=str(a.pk))
    page = text(client_signed_in.get("/app-passwords/", headers={"accept-language": language}))
    assert expected in page.replace("\xa0", " ")
    assert "Never used" in page or "从未使用" in page  # the other one
    activity = text(client_signed_in.get("/activity/", headers={"accept-language": language})).replace("\xa0", " ")
    assert "Thunderbird" in activity and expected in activity


def test_helpdesk_sees_and_clears_the_mail_lock(
    policy,
    helpdesk_client,  # noqa: F811
    settings,
    django_capture_on_commit_callbacks,
    cache_backend,
):
    from tests.factories import UserFactory

    victim = UserFactory(email="victim@example.com")
    settings.PORTAL_MAIL_POLICY_REJECT_AFTER = settings.PORTAL_MAIL_POLICY_IP_REJECT_AFTER = 10_000
    report(policy, victim.email, success=True, protocol="pop3", remote="192.0.2.44")
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(100):
            report(policy, victim.email, success=False, pwhash=f"{n:x}", remote=f"198.51.100.{n}")
    assert policy("allow", login_body(victim.email))[1]["status"] < 0
    page = text(helpdesk_client.get(f"/admin/accounts/user/{victim.pk}/change/", headers={"accept-language": "en"}))
    assert re.search(r"Mail sign-in lock \(SMTP, IMAP, POP3\) Locked · 100 failed attempts", page), page[-3000:]
    assert "used over POP3 from 192.0.2.44" in page
    response = helpdesk_client.post(
        "/admin/accounts/user/helpdesk/clear_sign_in_lock/", {"ids": str(victim.pk), "reason": "Ticket #1: phone"}
    )
    assert response.status_code == 302
    assert MailAccountUse.objects.get(user=victim).locked_at is None
    assert policy("allow", login_body(victim.email))[1] == {"status": 0, "msg": ""}
    assert SecurityEvent.objects.filter(user=victim, kind="helpdesk.cleared_sign_in_lock").count() == 1
    page = text(helpdesk_client.get(f"/admin/accounts/user/{victim.pk}/change/", headers={"accept-language": "en"}))
    assert "Mail sign-in lock (SMTP, IMAP, POP3) Not locked · 0 failed attempts" in page
    # A new run of failures locks again, durably.
    for n in range(100):
        report(policy, victim.email, success=False, pwhash=f"again{n:x}", remote=f"198.51.100.{n}")
    assert MailAccountUse.objects.get(user=victim).locked_at is not None
