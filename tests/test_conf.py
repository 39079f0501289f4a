"""portal/conf.py is the one home of the PORTAL_* settings: every one is declared there, read from the environment
variable the docs name, and read by code through typed attributes that follow Django's settings."""

import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import environ
import pytest
from django.conf import settings

from portal.conf import PortalSettings, declared, portal_settings, settings_from_environment

ROOT = Path(__file__).resolve().parents[1]
# Variables that are not PORTAL_* settings: Django's and axes' own settings read from PORTAL_ names, prod.py's
# silenced checks, scripts/serve's knobs, and the test suite's own switches.
NOT_SETTINGS = {
    "PORTAL_LOGIN_HARD_LOCK_FAILURES",  # AXES_FAILURE_LIMIT
    "PORTAL_SESSION_IDLE_SECONDS",  # SESSION_COOKIE_AGE
    "PORTAL_DB_CONN_MAX_AGE",  # DATABASES CONN_MAX_AGE (portal/settings/prod.py)
    "PORTAL_SILENCED_SYSTEM_CHECKS",
    "PORTAL_SERVE_BIND",
    "PORTAL_SERVE_DEMO",
    "PORTAL_SERVE_SECRET_KEY_FILE",
    "PORTAL_SERVE_WORKERS",
    "PORTAL_KEEP_DOVECOT",
    "PORTAL_TEST_CACHE",
}


def environment(**variables) -> environ.Env:
    env = environ.Env()
    env.ENVIRON = variables
    return env


def test_every_portal_setting_django_has_is_declared_in_conf():
    names = {name for name in dir(settings) if name.startswith("PORTAL_")}
    assert names == {setting.name for setting in declared()}


def test_attributes_read_djangos_settings_at_each_use(settings):
    assert portal_settings.sms_code_ttl == settings.PORTAL_SMS_CODE_TTL
    settings.PORTAL_SMS_CODE_TTL = timedelta(minutes=2)
    assert portal_settings.sms_code_ttl == timedelta(minutes=2)
    for setting in declared():
        assert getattr(portal_settings, setting.name.removeprefix("PORTAL_").lower()) == getattr(settings, setting.name)


def test_a_settings_module_that_leaves_one_out_gets_the_default(settings):
    del settings.PORTAL_TRUSTED_DEVICE_DAYS
    assert portal_settings.trusted_device_days == 30


def test_defaults_without_any_environment():
    values = settings_from_environment(environment())
    assert values["PORTAL_ARGON2_MEMORY_COST_KIB"] == 65536
    assert values["PORTAL_SMS_CODE_TTL"] == timedelta(minutes=5)
    assert values["PORTAL_SMS_ROUTES"] == {}
    assert values["PORTAL_TOTP_ISSUER"] == "Example Mail"  # empty: the site's name
    assert {setting.name for setting in declared()} == set(values)


def test_variables_are_parsed_into_their_types():
    values = settings_from_environment(environment(
        PORTAL_SMS_ROUTES="cn=aliyun, tencent;HK=twilio",
        PORTAL_SMS_CODE_TTL_SECONDS="120",
        PORTAL_REAUTH_MINUTES="3",
        PORTAL_ACCOUNT_RECOVERY_RESPONSE_FLOOR_MS="250",
        PORTAL_APP_PASSWORDS_KEEP_ON_PASSWORD_CHANGE="true",
        PORTAL_DOVECOT_FLUSH_RETRY_DELAYS="2,4.5",
        PORTAL_ALIYUN_TEMPLATES="verification_code=SMS_1,verification_code.en=SMS_2",
        PORTAL_TWILIO_TIMEOUT_SECONDS="2.5",
        PORTAL_SITE_NAME="Mail",
        PORTAL_TOTP_ISSUER="Mail 2FA",
    ))
    assert values["PORTAL_SMS_ROUTES"] == {"CN": ["aliyun", "tencent"], "HK": ["twilio"]}
    assert values["PORTAL_SMS_CODE_TTL"] == timedelta(seconds=120)
    assert values["PORTAL_REAUTH_TTL"] == timedelta(minutes=3)
    assert values["PORTAL_ACCOUNT_RECOVERY_RESPONSE_FLOOR"] == timedelta(milliseconds=250)
    assert values["PORTAL_APP_PASSWORDS_KEEP_ON_PASSWORD_CHANGE"] is True
    assert values["PORTAL_DOVECOT_FLUSH_RETRY_DELAYS"] == [2.0, 4.5]
    assert values["PORTAL_ALIYUN_TEMPLATES"] == {"verification_code": "SMS_1", "verification_code.en": "SMS_2"}
    assert values["PORTAL_TWILIO_TIMEOUT_SECONDS"] == 2.5
    assert values["PORTAL_TOTP_ISSUER"] == "Mail 2FA"


def test_fixed_settings_ignore_the_environment():
    values = settings_from_environment(environment(PORTAL_PASSWORD_MAX_LENGTH="5"))
    assert values["PORTAL_PASSWORD_MAX_LENGTH"] == 1024


def test_defaults_are_not_shared_between_reads():
    first = settings_from_environment(environment())
    first["PORTAL_SMS_ALLOWED_REGIONS"].append("US")
    assert "US" not in settings_from_environment(environment())["PORTAL_SMS_ALLOWED_REGIONS"]
    assert "US" not in PortalSettings.sms_allowed_regions.default


def test_every_variable_the_docs_name_is_read():
    """A PORTAL_ variable in .env.example, the docs or scripts/serve that nothing reads would be silently ignored."""
    named = set()
    for path in [ROOT / ".env.example", ROOT / "README.md", ROOT / "scripts" / "serve", *(ROOT / "docs").glob("*.md")]:
        named |= set(re.findall(r"\bPORTAL_[A-Z0-9_]*[A-Z0-9]\b", path.read_text()))
    read = {setting.variable for setting in declared()} | {setting.name for setting in declared()} | NOT_SETTINGS
    prefixes = {name for name in named if any(other.startswith(name + "_") for other in read)}  # PORTAL_MAIL_*
    assert named - read - prefixes == set()


def test_every_setting_the_code_reads_is_declared():
    used = set()
    for path in [*ROOT.glob("accounts/**/*.py"), *ROOT.glob("security/**/*.py"), *ROOT.glob("portal/**/*.py"),
                 *ROOT.glob("templates/**/*.html")]:
        if path.name == "conf.py":
            continue  # its docstring shows the pattern
        text = path.read_text()
        used |= set(re.findall(r"settings\.(PORTAL_[A-Z0-9_]+)", text))
        used |= {"PORTAL_" + name.upper() for name in re.findall(r"portal_settings\.([a-z0-9_]+)", text)}
    assert used - {setting.name for setting in declared()} == set()


@pytest.mark.parametrize("module", ["portal.settings.dev", "portal.settings.test"])
def test_the_settings_modules_load_with_an_empty_environment(module):
    code = "import django; django.setup(); from portal.conf import portal_settings; print(portal_settings.site_name)"
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": module, "HOME": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "Example Mail"
