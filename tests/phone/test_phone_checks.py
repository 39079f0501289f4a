"""Production refuses a gateway that delivers nothing (issue 4)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from security.phone.checks import sms_gateway_check

ROOT = Path(__file__).resolve().parents[2]


def ids(errors):
    return sorted(error.id for error in errors)


@pytest.mark.parametrize("gateway", ["console", "test"])
def test_fake_gateways_refused_when_debug_is_off(gateway):
    with override_settings(DEBUG=False, PORTAL_SMS_GATEWAY=gateway):
        assert ids(sms_gateway_check()) == ["phone.E001"]
        with pytest.raises(SystemCheckError, match=r"phone\.E001"):
            call_command("check")
    with override_settings(DEBUG=True, PORTAL_SMS_GATEWAY=gateway):
        assert sms_gateway_check() == []


@override_settings(DEBUG=False, PORTAL_SMS_GATEWAY="twilio", PORTAL_TWILIO_ACCOUNT_SID="", PORTAL_TWILIO_FROM="")
def test_twilio_needs_credentials_and_a_sender():
    assert ids(sms_gateway_check()) == ["phone.E003", "phone.E003"]


@override_settings(PORTAL_SMS_GATEWAY="no.such.Gateway")
def test_unknown_gateway():
    assert ids(sms_gateway_check()) == ["phone.E002"]


@override_settings(DEBUG=True, PORTAL_SMS_ALLOWED_REGIONS=[])
def test_empty_allow_list():
    assert ids(sms_gateway_check()) == ["phone.E004"]


def _check_with_prod_settings(extra_env, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.prod",
        "SECRET_KEY": "p" * 60,
        "ALLOWED_HOSTS": "mail.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod-check.sqlite3'}",
        **extra_env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_settings_refuse_the_console_gateway(tmp_path):
    result = _check_with_prod_settings({"PORTAL_SMS_GATEWAY": "console"}, tmp_path)
    assert result.returncode != 0
    assert "phone.E001" in result.stderr


def test_production_settings_accept_twilio(tmp_path):
    result = _check_with_prod_settings(
        {
            "PORTAL_SMS_GATEWAY": "twilio",
            "PORTAL_TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
            "PORTAL_TWILIO_AUTH_TOKEN": "token",
            "PORTAL_TWILIO_FROM": "+15005550006",
        },
        tmp_path,
    )
    assert "phone.E" not in result.stderr + result.stdout
    assert result.returncode == 0, result.stderr


ALIYUN_OK = {
    "PORTAL_ALIYUN_ACCESS_KEY_ID": "LTAI5tKeyId",
    "PORTAL_ALIYUN_ACCESS_KEY_SECRET": "secret",
    "PORTAL_ALIYUN_SIGN_NAME": "示例邮箱",
    "PORTAL_ALIYUN_TEMPLATES": {
        "verification_code": "SMS_1",
        "number_changed": "SMS_2",
        "recovery": "SMS_3",
        "password_reset": "SMS_5",
    },
}
TENCENT_OK = {
    "PORTAL_TENCENT_SECRET_ID": "AKIDid",
    "PORTAL_TENCENT_SECRET_KEY": "key",
    "PORTAL_TENCENT_SMS_SDK_APP_ID": "1400000001",
    "PORTAL_TENCENT_SIGN_NAME": "示例邮箱",
    "PORTAL_TENCENT_TEMPLATES": {
        "verification_code": "2001",
        "number_changed": "2002",
        "recovery": "2003",
        "password_reset": "2005",
    },
}


def messages(errors):
    return " | ".join(error.msg for error in errors)


def test_every_routed_gateway_is_checked_not_only_the_default():
    with override_settings(
        DEBUG=False,
        PORTAL_SMS_GATEWAY="twilio",
        PORTAL_TWILIO_ACCOUNT_SID="AC" + "0" * 32,
        PORTAL_TWILIO_AUTH_TOKEN="t",
        PORTAL_TWILIO_FROM="+15005550006",
        PORTAL_SMS_ROUTES={"CN": ["aliyun", "tencent"]},
        PORTAL_ALIYUN_ACCESS_KEY_SECRET="",
        PORTAL_TENCENT_SMS_SDK_APP_ID="",
    ):
        errors = sms_gateway_check()
    assert set(ids(errors)) == {"phone.E003"}
    text = messages(errors)
    assert "'aliyun': Set PORTAL_ALIYUN_ACCESS_KEY_ID and PORTAL_ALIYUN_ACCESS_KEY_SECRET" in text
    assert "'tencent': Set PORTAL_TENCENT_SMS_SDK_APP_ID" in text
    assert "twilio" not in text


def test_complete_chinese_gateways_pass():
    with override_settings(DEBUG=False, PORTAL_SMS_GATEWAY="aliyun,tencent", **ALIYUN_OK, **TENCENT_OK):
        assert sms_gateway_check() == []


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"PORTAL_ALIYUN_TEMPLATES": {"verification_code": "SMS_1"}}, "no id for the 'number_changed' template"),
        ({"PORTAL_ALIYUN_TEMPLATES": {**ALIYUN_OK["PORTAL_ALIYUN_TEMPLATES"], "verify": "SMS_9"}}, "unknown template"),
        ({"PORTAL_ALIYUN_SIGN_NAME": ""}, "PORTAL_ALIYUN_SIGN_NAME"),
        ({"PORTAL_ALIYUN_PROTOCOL": "ftp"}, "PORTAL_ALIYUN_PROTOCOL"),
        ({"PORTAL_TENCENT_TEMPLATES": {**TENCENT_OK["PORTAL_TENCENT_TEMPLATES"], "recovery": "SMS_3"}}, "numeric"),
        ({"PORTAL_TENCENT_SMS_SDK_APP_ID": "my-app"}, "PORTAL_TENCENT_SMS_SDK_APP_ID"),
        ({"PORTAL_TENCENT_TIMEOUT_SECONDS": 0}, "PORTAL_TENCENT_TIMEOUT_SECONDS"),
    ],
)
def test_each_bad_setting_is_named(change, fragment):
    with override_settings(DEBUG=False, PORTAL_SMS_GATEWAY="aliyun,tencent", **{**ALIYUN_OK, **TENCENT_OK, **change}):
        errors = sms_gateway_check()
    assert set(ids(errors)) == {"phone.E003"}
    assert fragment in messages(errors)


def test_a_fake_gateway_in_a_route_is_refused_in_production():
    with override_settings(DEBUG=False, PORTAL_SMS_GATEWAY="aliyun", PORTAL_SMS_ROUTES={"HK": ["test"]}, **ALIYUN_OK):
        assert ids(sms_gateway_check()) == ["phone.E001"]


@pytest.mark.parametrize("routes", [{"China": ["aliyun"]}, {"CN": []}])
def test_bad_routes(routes):
    with override_settings(DEBUG=True, PORTAL_SMS_GATEWAY="console", PORTAL_SMS_ROUTES=routes, **ALIYUN_OK):
        assert "phone.E006" in ids(sms_gateway_check())


def test_production_settings_accept_routes_to_aliyun_and_tencent_from_the_environment(tmp_path):
    result = _check_with_prod_settings(
        {
            "PORTAL_SMS_GATEWAY": "twilio",
            "PORTAL_TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
            "PORTAL_TWILIO_AUTH_TOKEN": "token",
            "PORTAL_TWILIO_FROM": "+15005550006",
            "PORTAL_SMS_ROUTES": "CN=aliyun,tencent",
            "PORTAL_ALIYUN_ACCESS_KEY_ID": "LTAI5tKeyId",
            "PORTAL_ALIYUN_ACCESS_KEY_SECRET": "secret",
            "PORTAL_ALIYUN_SIGN_NAME": "示例邮箱",
            "PORTAL_ALIYUN_TEMPLATES": "verification_code=SMS_1,verification_code.en=SMS_4,number_changed=SMS_2,"
            "recovery=SMS_3,password_reset=SMS_5",
            "PORTAL_TENCENT_SECRET_ID": "AKIDid",
            "PORTAL_TENCENT_SECRET_KEY": "key",
            "PORTAL_TENCENT_SMS_SDK_APP_ID": "1400000001",
            "PORTAL_TENCENT_SIGN_NAME": "示例邮箱",
            "PORTAL_TENCENT_TEMPLATES": "verification_code=2001,number_changed=2002,recovery=2003,password_reset=2005",
        },
        tmp_path,
    )
    assert "phone.E" not in result.stderr + result.stdout
    assert result.returncode == 0, result.stderr


def test_production_settings_refuse_a_route_to_an_unconfigured_gateway(tmp_path):
    result = _check_with_prod_settings(
        {
            "PORTAL_SMS_GATEWAY": "twilio",
            "PORTAL_TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
            "PORTAL_TWILIO_AUTH_TOKEN": "token",
            "PORTAL_TWILIO_FROM": "+15005550006",
            "PORTAL_SMS_ROUTES": "CN=tencent",
        },
        tmp_path,
    )
    assert result.returncode != 0
    assert "phone.E003" in result.stderr and "tencent" in result.stderr
