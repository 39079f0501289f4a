"""Per-app guides after creating an app password: preset from the name, this service's exact values, in the
user's language; and the settings the guides are built from fail a check when they cannot be expressed."""

import re

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from security.mail_clients.guides import mail_app_for_name
from security.mail_clients.servers import UnknownSecurity, connection_kind
from tests.test_pages import ALLOWED_LATIN, untranslated_words

NEW = "/app-passwords/new/"
# Product and protocol names, and the labels the apps themselves show untranslated.
GUIDE_LATIN = ALLOWED_LATIN | {"iphone", "ipad", "mac", "gmail", "ssl", "tls", "starttls", "android", "mail", "for"}
GUIDE_LATIN |= {"k", "pop"}  # "K-9 Mail", "POP3"


def create(client, name: str, **extra):
    page = client.get(NEW)
    key = re.search(r'name="creation_key" value="([^"]+)"', page.content.decode()).group(1)
    return client.post(NEW, {"name": name, "scope": "all", "expires_in_days": "", "creation_key": key}, **extra)


def open_guides(html: str) -> list[str]:
    return re.findall(r'<details class="mail-guide" data-testid="guide-(\w+)" data-app="\w+" open>', html)


@pytest.mark.parametrize(
    ("name", "app"),
    [
        ("Outlook", "outlook"),
        ("outlook on my laptop", "outlook"),
        ("Foxmail 📱", "foxmail"),
        ("THUNDERBIRD", "thunderbird"),
        ("Lin’s iPhone", "apple"),
        ("iPad", "apple"),
        ("MacBook Mail", "apple"),
        ("我的苹果手机", "apple"),
        ("Android phone", "android"),
        ("Gmail", "android"),
        ("Outlook on Mac", "outlook"),  # the app, not the device, decides
        ("Work laptop", None),
        ("", None),
    ],
)
def test_the_guide_is_preset_from_the_name(name, app):
    found = mail_app_for_name(name)
    assert (found.key if found else None) == app


def test_created_page_opens_the_named_apps_guide_with_exact_values(client_signed_in, user, mail_settings):
    html = create(client_signed_in, "Thunderbird at home", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert open_guides(html) == ["thunderbird"]
    guide = html.split('data-testid="guide-thunderbird"', 1)[1].split("</details>", 1)[0]
    imap = guide.split('data-testid="guide-imap"', 1)[1].split("</dl>", 1)[0]
    smtp = guide.split('data-testid="guide-smtp"', 1)[1].split("</dl>", 1)[0]
    assert '<code data-value="host">imap.mail.test</code>' in imap and '<code data-value="port">1993</code>' in imap
    assert '<dd data-value="security">SSL/TLS</dd>' in imap
    assert '<code data-value="host">smtp.mail.test</code>' in smtp and '<code data-value="port">1587</code>' in smtp
    assert '<dd data-value="security">STARTTLS</dd>' in smtp
    assert f'<code data-value="login">{user.email}</code>' in imap
    assert "Connection security" in guide and "Normal password" in guide


def test_apple_guide_uses_apples_switch_and_links_the_profile(client_signed_in, mail_settings):
    mail_settings.PORTAL_MAIL_SMTP_SECURITY = "none"
    html = create(client_signed_in, "iPhone", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert open_guides(html) == ["apple"]
    guide = html.split('data-testid="guide-apple"', 1)[1].split("</details>", 1)[0]
    assert 'href="/mail-setup/apple/"' in guide
    smtp = guide.split('data-testid="guide-smtp"', 1)[1].split("</dl>", 1)[0]
    assert "Use SSL" in smtp and '<dd data-value="security">Off</dd>' in smtp


def test_no_guide_is_opened_for_a_name_that_says_no_app(client_signed_in, mail_settings):
    html = create(client_signed_in, "Work laptop").content.decode()
    assert open_guides(html) == []
    assert html.count('class="mail-guide"') == 5


@pytest.mark.parametrize("name", ["Outlook", "Foxmail", "Thunderbird", "iPhone", "Android"])
def test_guides_are_translated(client_signed_in, user, mail_settings, name):
    html = create(client_signed_in, name, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    html = re.sub(r'<code class="secret".*?</code>', " ", html, flags=re.S)  # the secret's letters
    for value in ("imap.mail.test", "smtp.mail.test", "pop.mail.test"):
        html = html.replace(value, " ")
    assert untranslated_words(html, user.email) - GUIDE_LATIN == set()
    assert "加密方法" in html and "连接安全" in html and "安全类型" in html and "使用 SSL" in html


@pytest.mark.parametrize("path", ["/mail-setup/", "/mail-setup/apple/"])
def test_setup_pages_are_translated(client_signed_in, user, mail_settings, path):
    html = client_signed_in.get(path, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    for value in ("imap.mail.test", "smtp.mail.test", "pop.mail.test"):
        html = html.replace(value, " ")
    assert untranslated_words(html, user.email) - GUIDE_LATIN == set()


def test_guides_page_presets_from_the_query(client_signed_in, mail_settings):
    html = client_signed_in.get("/mail-setup/", {"app": "foxmail"}).content.decode()
    assert open_guides(html) == ["foxmail"]
    assert client_signed_in.get("/mail-setup/", {"app": "x" * 10_000}).status_code == 200


@pytest.mark.parametrize("value", ["SSL/TLS", "ssl", " TLS ", "Implicit TLS", "STARTTLS", "none", ""])
def test_security_spellings_that_are_understood(value):
    assert connection_kind(value) in {"ssl", "starttls", "plain"}


def test_a_security_setting_that_is_not_understood_fails_the_check(settings):
    settings.PORTAL_MAIL_IMAP_SECURITY = "maybe"
    with pytest.raises(UnknownSecurity):
        connection_kind("maybe")
    with pytest.raises(SystemCheckError, match=r"mail_clients\.E001"):
        call_command("check")
