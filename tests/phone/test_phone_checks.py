"""Production refuses a gateway that delivers nothing (issue 4, STYLE.md 5)."""

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


@override_settings(
    DEBUG=False, PORTAL_SMS_GATEWAY="twilio", PORTAL_TWILIO_ACCOUNT_SID="", PORTAL_TWILIO_FROM=""
)
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
