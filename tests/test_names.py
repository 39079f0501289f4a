"""Issue 19, "Names": one rule (security/names.py) for every name a user gives a thing, app passwords and
trusted devices, with the error under the field in both languages."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from security.app_passwords.models import AppPassword
from security.names import name_clean
from tests.app_passwords.test_app_password_pages import NEW, new_form

REFUSED = {
    "NUL": "bad\x00name",
    "tab": "tab\tname",
    "DEL": "del\x7fname",
    "NEL (C1)": "c1\x85name",
    "CSI (C1)": "c1\x9b31m",
    "RLO U+202E": "invoice\u202efdp.exe",
    "LRE U+202A": "\u202aOutlook",
    "PDF U+202C": "Out\u202clook",
    "LRI U+2066": "\u2066Outlook",
    "PDI U+2069": "Outlook\u2069 x",
    "ZWSP U+200B": "Out\u200blook",
    "BOM U+FEFF": "Out\ufefflook",
    "LRM U+200E": "Out\u200elook",
    "soft hyphen": "Out\u00adlook",
    "line separator": "Out\u2028look",
    "private use": "Out\ue000look",
}
ALLOWED = {
    "emoji and Chinese": ("📱 我的 iPhone", "📱 我的 iPhone"),
    "ZWJ emoji": ("👨\u200d💻 laptop", "👨\u200d💻 laptop"),
    "ZWNJ (Persian)": ("می\u200cخواهم", "می\u200cخواهم"),
    "trimmed": ("  Outlook  ", "Outlook"),
    "full-width space inside": ("我的\u3000电脑", "我的\u3000电脑"),
    "NFC": ("Cafe\u0301", "Café"),
}


@pytest.mark.parametrize("name", REFUSED.values(), ids=REFUSED.keys())
def test_the_rule_refuses_controls_and_invisible_and_bidi_characters(name):
    with pytest.raises(ValidationError) as error:
        name_clean(name, max_length=60)
    assert error.value.code == "refused_character"


@pytest.mark.parametrize(("name", "stored"), ALLOWED.values(), ids=ALLOWED.keys())
def test_the_rule_keeps_what_people_write(name, stored):
    assert name_clean(name, max_length=60) == stored


@pytest.mark.parametrize("name", ["", "   ", "\u200d", "\u3000", "\u0301"])
def test_a_name_needs_something_visible(name):
    with pytest.raises(ValidationError) as error:
        name_clean(name, max_length=60)
    assert error.value.code == "required"


def test_length_counts_characters_after_trimming():
    assert name_clean(" " + "我" * 60 + " ", max_length=60) == "我" * 60
    with pytest.raises(ValidationError):
        name_clean("我" * 61, max_length=60)


def _error_under_name_field(html: str) -> str:
    field = re.search(r'<div class="field has-error">\s*<label for="id_name">.*?</div>', html, re.S)
    assert field, "no error under the name field"
    return re.sub(r"<[^>]+>", " ", field.group(0))


@pytest.mark.parametrize("name", REFUSED.values(), ids=REFUSED.keys())
def test_app_password_names(client_signed_in, user, name):
    response = client_signed_in.post(NEW, {**new_form(client_signed_in), "name": name}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    error = _error_under_name_field(response.content.decode())
    # Django's own validator refuses NUL first ("Null characters are not allowed").
    assert "cannot contain control characters, invisible characters or text-direction marks" in error or (
        "\x00" in name and "Null characters are not allowed" in error
    )
    assert not AppPassword.objects.filter(user=user).exists()


def test_app_password_name_error_in_chinese(client_signed_in, user):
    form = {**new_form(client_signed_in), "name": "invoice\u202efdp.exe"}
    response = client_signed_in.post(NEW, form, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert "名称不能包含控制字符、不可见字符或文字方向标记" in _error_under_name_field(response.content.decode())


def test_the_command_keeps_the_same_rule(user):
    with pytest.raises(CommandError, match=r"text-direction|文字方向"):
        call_command("app_password", "create", "--user", user.email, "--name", "x\u202ey", "--scope", "smtp")
    assert not AppPassword.objects.filter(user=user).exists()


@pytest.mark.parametrize("name", REFUSED.values(), ids=REFUSED.keys())
def test_trusted_device_names(client_signed_in, user, name):
    from security.client import Client as ClientInfo
    from security.trusted_devices.models import TrustedDevice
    from security.trusted_devices.services import trusted_device_create

    device, _cookie = trusted_device_create(
        user=user, client=ClientInfo(ip="203.0.113.7", user_agent="Firefox"), cookie_value=None
    )
    response = client_signed_in.post(f"/devices/{device.pk}/rename/", {"name": name}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'class="error" role="alert">(The name cannot contain control characters|Null characters)', html)
    device.refresh_from_db()
    assert device.name == ""
    assert TrustedDevice.objects.filter(user=user).count() == 1
