"""Site-wide page rules: both languages complete, security headers, no inline script or style."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings

# Words that are the same in every language: names, protocols, our brand and the user's own data.
ALLOWED_LATIN = {
    "example",
    "mail",
    "com",
    "english",
    "outlook",
    "foxmail",
    "thunderbird",
    "sms",
    "smtp",
    "imap",
    "pop3",
    "ip",
    "app",
    "totp",
    "qr",
}


class _TextCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.chunks, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "title"):
            self._skip += 1
        for name, value in attrs:
            if name in ("placeholder", "aria-label", "title", "alt") and value:
                self.chunks.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "title"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.chunks.append(data)


def untranslated_words(html: str, user_email: str) -> set[str]:
    parser = _TextCollector()
    parser.feed(html)
    text = " ".join(parser.chunks).replace(user_email, " ")
    text = re.sub(r"\b\d{1,3}(\.\d{1,3}){3}\b", " ", text)  # IP addresses
    words = {w.lower() for w in re.findall(r"[A-Za-z]{2,}", text)}
    return words - ALLOWED_LATIN


PAGES = ["/", "/activity/", "/account/password/", "/confirm/?next=/", "/notifications/"]


@pytest.mark.parametrize("path", PAGES)
def test_signed_in_pages_have_no_untranslated_strings_in_chinese(client_signed_in, user, path):
    response = client_signed_in.get(path, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert response.status_code == 200
    assert untranslated_words(response.content.decode(), user.email) == set()


def test_sign_in_page_and_its_errors_are_translated(client, user):
    assert (
        untranslated_words(client.get("/account/sign-in/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode(), "") == set()
    )
    response = client.post(
        "/account/sign-in/", {"username": user.email, "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="zh-CN"
    )
    assert "邮箱地址或密码不正确" in response.content.decode()
    assert untranslated_words(response.content.decode(), user.email) == set()


@pytest.mark.parametrize("path", PAGES)
def test_pages_render_in_english_too(client_signed_in, path):
    response = client_signed_in.get(path, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()


def test_language_follows_the_browser_until_the_user_picks_one(client, user):
    assert '<html lang="en">' in client.get("/account/sign-in/", HTTP_ACCEPT_LANGUAGE="en-GB").content.decode()
    assert '<html lang="zh-hans">' in client.get("/account/sign-in/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    client.post("/account/language/", {"language": "en", "next": "/account/sign-in/"})
    assert '<html lang="en">' in client.get("/account/sign-in/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()


def test_security_headers(client, db):
    response = client.get("/account/sign-in/")
    csp = response["Content-Security-Policy"]
    for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_templates_have_no_inline_script_or_style_or_cdn():
    for template in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        html = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), f"inline script in {template}"
        assert " style=" not in html and "<style" not in html, f"inline style in {template}"
        assert not re.search(r"(src|href)=\"(https?:)?//", html), f"external resource in {template}"


def test_sign_out_is_post_only_and_ends_the_server_session(client_signed_in):
    from django.contrib.sessions.models import Session

    key = client_signed_in.session.session_key
    assert client_signed_in.get("/account/sign-out/").status_code == 405
    assert Session.objects.filter(session_key=key).exists()
    client_signed_in.post("/account/sign-out/")
    assert not Session.objects.filter(session_key=key).exists()


# --- Issue 13: one register, Django's own messages in our words, one date format, errors tied to their field ----
CATALOG = Path(settings.BASE_DIR, "locale", "zh_Hans", "LC_MESSAGES", "django.po")


def test_the_catalog_speaks_one_register():
    """The portal says 您; no translation (ours, or Django's that we override) says 你."""
    translations = [line for line in CATALOG.read_text().splitlines() if line.startswith(("msgstr", '"'))]
    assert not [line for line in translations if "你" in line]


def test_djangos_required_message_is_ours_and_names_the_address(client, db):
    zh = {"HTTP_ACCEPT_LANGUAGE": "zh-CN"}
    html = client.post("/account/sign-in/", {"username": "", "password": ""}, **zh).content.decode()
    assert "请输入邮箱地址。" in html and "请输入密码。" in html
    assert "这个字段是必填项" not in html
    html = client.post("/account/recovery/", {"username": "", "channel": "email"}, **zh).content.decode()
    assert "请输入邮箱地址。" in html


def test_the_alert_address_form_says_what_to_enter(client_signed_in):
    zh = {"HTTP_ACCEPT_LANGUAGE": "zh-CN"}
    html = client_signed_in.post("/notifications/", {"address": ""}, **zh).content.decode()
    assert "请输入接收安全提醒的邮箱地址。" in html
    html = client_signed_in.post("/notifications/", {"address": "not-an-address"}, **zh).content.decode()
    assert "请输入完整的邮箱地址" in html


def test_djangos_validator_messages_are_overridden_in_our_register(db):
    from django.contrib.auth.password_validation import CommonPasswordValidator
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email
    from django.forms import CharField
    from django.utils import translation

    with translation.override("zh-hans"):
        for check, value in (
            (validate_email, "not-an-address"),
            (CommonPasswordValidator().validate, "password"),
            (CharField(max_length=3).clean, "abcd"),
            (CharField().clean, ""),
        ):
            with pytest.raises(ValidationError) as error:
                check(value)
            message = " ".join(error.value.messages)
            assert "你" not in message and "这个字段是必填项" not in message and "Email" not in message, message
        assert translation.gettext("This field is required.") == "请填写此项。"


def test_field_errors_have_ids_that_the_field_points_at(client_signed_in):
    html = client_signed_in.post("/app-passwords/new/", {"name": "", "creation_key": "k" * 24}).content.decode()
    assert 'id="id_name_error"' in html
    name_input = re.search(r"<input[^>]*name=\"name\"[^>]*>", html).group(0)
    assert re.search(r'aria-describedby="[^"]*\bid_name_error\b', name_input), name_input
    assert 'maxlength="64"' in name_input  # the limit, not the form's allowance for a pasted essay
    assert '<label for="">' not in html and 'for=""' not in html
    # The scope radio group is a fieldset named by its legend.
    assert re.search(r"<fieldset[^>]*>\s*<legend>", html)


def test_one_date_format_by_language(client_signed_in, user):
    from django.utils import timezone

    from security.audit import security_event_record
    from security.client import SYSTEM

    security_event_record(user=user, kind="account.signed_in", client=SYSTEM)
    when = timezone.localtime(user.security_events.latest("created_at").created_at)
    zh = client_signed_in.get("/activity/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    attribute = when.replace(microsecond=0).isoformat()
    assert f'<time datetime="{attribute}">{when.year}年{when.month}月{when.day}日 {when:%H:%M}</time>' in zh
    assert not re.search(r'datetime="[^"]*\.\d{4,}', zh)  # HTML allows at most three digits of a fraction
    en = client_signed_in.get("/activity/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'<time datetime="{attribute}">{when.day} {when:%b %Y, %H:%M}</time>' in en


def test_name_boxes_stop_at_the_real_limit():
    from security.app_passwords.forms import AppPasswordCreateForm
    from security.app_passwords.models import NAME_MAX_LENGTH
    from security.mail_clients.forms import AppleProfileForm

    for form in (AppPasswordCreateForm(), AppleProfileForm()):
        assert f'maxlength="{NAME_MAX_LENGTH}"' in str(form["name"]), form
