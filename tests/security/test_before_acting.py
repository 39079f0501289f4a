"""Issue 13, what users expect before they act: what a password change ends, "this wasn't me", the activity
filter, adding the key on the phone, which account is signing in, and recovery-code sheets with a date."""

import pytest
from django.test import Client

from security.app_passwords.services import app_password_create
from security.audit import security_event_record
from security.client import SYSTEM
from tests.factories import PASSWORD
from tests.two_factor.otp import sign_in_with_password, two_step_sign_in

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NEW = "a new long passphrase 42"
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}


def page(client, path, **headers) -> str:
    response = client.get(path, **(headers or EN))
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- The password form says what the change ends, before the user submits ----------------------------------
def test_password_form_lists_what_the_change_ends(client_signed_in, user):
    for name in ("Outlook", "Foxmail"):
        app_password_create(user=user, name=name, scope="all", actor=None, client=SYSTEM)
    other = Client()
    other.post("/account/sign-in/", {"username": user.email, "password": PASSWORD})
    html = page(client_signed_in, "/account/password/")
    assert "You stay signed in here; your 1 other session is signed out." in html
    assert "Your 2 app passwords are revoked: mail apps using them stop until you give them new ones." in html
    assert "Trusted devices are forgotten: they will be asked for a code again." in html
    assert "Your authenticator app, recovery codes and phone stay as they are." in html
    # ... and that is what it really does.
    client_signed_in.post(
        "/account/password/",
        {"current_password": PASSWORD, "new_password": NEW, "new_password_again": NEW},
    )
    assert other.get("/").status_code == 302
    assert not user.app_passwords.filter(revoked_at__isnull=True).exists()


def test_password_form_does_not_promise_revoking_app_passwords_the_site_keeps(client_signed_in, settings):
    settings.PORTAL_APP_PASSWORDS_KEEP_ON_PASSWORD_CHANGE = True
    assert "app password" not in page(client_signed_in, "/account/password/").lower()


# --- "This wasn't me" leads to one place that changes the password and ends the other sessions -------------
def test_this_wasnt_me_leads_to_the_password_change_that_ends_other_sessions(client_signed_in):
    activity = page(client_signed_in, "/activity/")
    assert 'href="/account/password/?secure=1"' in activity and "This wasn’t me" in activity
    secure = page(client_signed_in, "/account/password/?secure=1")
    assert "Secure your account" in secure and 'data-testid="not-me-intro"' in secure
    assert "other session" in secure


# --- The activity filter -------------------------------------------------------------------------------------
def test_activity_filter_shows_one_kind(client_signed_in, user):
    security_event_record(user=user, kind="phone_bound", details={"number": "+86 138****5678"})
    security_event_record(user=user, kind="app_password.created", details={"name": "Outlook"})
    everything = page(client_signed_in, "/activity/")
    phone_only = page(client_signed_in, "/activity/?kind=phone")
    sign_ins = page(client_signed_in, "/activity/?kind=sign_in")
    assert everything.count("<li>") > phone_only.count("<li>")
    assert "Phone bound" in phone_only or "phone" in phone_only.lower()
    assert "Outlook" not in phone_only.split('data-testid="activity-filter"')[1]
    assert "Signed in" in sign_ins and 'value="sign_in" selected' in sign_ins


@pytest.mark.parametrize("kind", ["nope", "sign_in'--", "漢" * 3000, "phone\x00"])
def test_a_bad_activity_filter_is_a_clear_error_not_a_500(client_signed_in, kind):
    response = client_signed_in.get("/activity/", {"kind": kind}, **EN)
    html = response.content.decode()
    assert response.status_code == 400
    assert "There is no such kind of activity. Choose one from the list." in html
    assert 'aria-describedby="kind-error"' in html and 'id="kind-error"' in html


def test_activity_filter_reads_in_chinese(client_signed_in):
    html = client_signed_in.get("/activity/?kind=nope", **ZH).content.decode()
    assert "没有这种活动类型" in html and "这不是我" in html


# --- Two-step pages --------------------------------------------------------------------------------------------
def test_setup_offers_the_otpauth_link_and_apps_chinese_users_know(client_signed_in, clock):
    html = page(client_signed_in, "/two-step/setup/")
    assert 'href="otpauth://totp/' in html and 'data-testid="totp-add-link"' in html
    assert "腾讯身份验证器" in html and "阿里云" in html and "Google Authenticator" in html
    assert "腾讯身份验证器" in page(client_signed_in, "/two-step/setup/", **ZH)


def test_second_step_names_the_account_signing_in(enrolled):
    client = Client()
    sign_in_with_password(client, enrolled)
    html = page(client, "/two-step/verify/")
    assert f"Signing in as <strong>{enrolled.email}</strong>" in html
    assert f"正在登录 <strong>{enrolled.email}</strong>" in page(client, "/two-step/verify/", **ZH)


def test_recovery_sheet_carries_site_date_and_copy_all(user, settings):
    import time_machine

    enrolled = user
    with time_machine.travel("2026-12-01 08:00:00Z", tick=True):
        client_two_step = two_step_sign_in(Client(), user)
        client_two_step.post("/two-step/recovery-codes/regenerate/")
        html = page(client_two_step, "/two-step/recovery-codes/")
        download = client_two_step.get("/two-step/recovery-codes/recovery-codes.txt", **EN).content.decode()
        chinese = page(client_two_step, "/two-step/recovery-codes/", **ZH)
    assert f"Recovery codes for {enrolled.email} at {settings.PORTAL_SITE_NAME}" in html
    assert "Generated on 1 Dec 2026" in html
    assert "生成于 2026年12月1日" in chinese
    assert 'data-copy-lines="recovery-codes"' in html and 'id="recovery-codes"' in html
    lines = download.split("\r\n")
    assert lines[0] == f"Recovery codes for {enrolled.email} at {settings.PORTAL_SITE_NAME}"
    assert lines[1] == "Generated on 1 Dec 2026"
    assert "&" not in download and "<" not in download


# --- Phones: every table value keeps its label ----------------------------------------------------------------
def test_tables_label_each_value(client_signed_in, user):
    app_password_create(user=user, name="Outlook", scope="all", actor=None, client=SYSTEM)
    apps = page(client_signed_in, "/app-passwords/")
    for label in ("Name", "May be used for", "Created", "Expires", "Last used", "Status"):
        assert f'data-label="{label}"' in apps
    sessions = page(client_signed_in, "/devices/sessions/")
    for label in ("Device", "IP address", "Signed in at", "Last activity"):
        assert f'data-label="{label}"' in sessions


def test_the_stylesheet_labels_cells_and_keeps_groups_whole():
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "static/css/portal.css").read_text()
    assert "content: attr(data-label)" in css
    assert ".secret .group { display: inline-block; white-space: nowrap;" in css


# --- The new pages read fully in Chinese ------------------------------------------------------------------------
def test_confirmation_pages_and_filters_read_in_chinese(client_signed_in, user):
    from security.app_passwords.models import AppPassword
    from tests.phone.factories import PhoneBindingFactory
    from tests.test_pages import untranslated_words

    app_password_create(user=user, name="Outlook", scope="all", actor=None, client=SYSTEM)
    PhoneBindingFactory(user=user)
    pk = AppPassword.objects.get(user=user).pk
    for path in (
        f"/app-passwords/{pk}/revoke/",
        "/app-passwords/revoke-all/",
        "/devices/sessions/end-others/",
        "/phone/remove/",
        "/activity/?kind=phone",
        "/account/password/?secure=1",
    ):
        html = client_signed_in.get(path, **ZH).content.decode()
        assert untranslated_words(html, user.email) - {"outlook"} == set(), path


def test_an_empty_filter_says_so_rather_than_no_activity_at_all(client_signed_in):
    html = page(client_signed_in, "/activity/?kind=alerts")
    assert "No activity of this kind among your recent events." in html
    assert "No security activity yet." not in html
