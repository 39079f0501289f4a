"""portal/checks.py: the deployment hazards the docs describe fail a system check, and the fatal ones also stop the
WSGI application from loading (tests/production/test_refuse_to_start.py starts gunicorn for real)."""

import re
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from portal.checks import argon2_memory_check, refuse_fatal_hazards, shared_cache_check
from security.app_passwords import mail_server_config as config

# The test settings use the SMS test gateway, which phone.E001 refuses outside DEBUG; these tests look elsewhere.
QUIET_SMS = {"SILENCED_SYSTEM_CHECKS": ["axes.W006", "phone.E001"]}
REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
DATABASE_CACHE = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "portal_cache"}}


def ids(messages):
    return [message.id for message in messages]


def shipped_vsz_limit_mib() -> int:
    options = config.Options(
        version="2.3", dovecot_dir="/etc/dovecot", database=config.Database(driver="sqlite", path="/x"), listeners=[]
    )
    text, _mode = config.render(options)["conf.d/99-portal.conf"]
    return int(re.search(r"service auth-worker \{[^}]*vsz_limit = (\d+)M", text).group(1))


def test_the_check_reads_the_vsz_limit_mail_server_config_writes():
    assert shipped_vsz_limit_mib() == config.AUTH_WORKER_VSZ_LIMIT_MIB == 256


@pytest.mark.parametrize("cost_kib", [1024, 65536, 224 * 1024])
def test_argon2_costs_that_fit_the_auth_worker_pass(settings, cost_kib):
    # 224 MiB is the largest the check allows; Dovecot 2.3 verified 232 MiB under vsz_limit = 256M and not 236 MiB.
    settings.PORTAL_ARGON2_MEMORY_COST_KIB = cost_kib
    assert argon2_memory_check() == []


@pytest.mark.parametrize("cost_kib", [224 * 1024 + 1, 256 * 1024, 1024 * 1024])
def test_an_argon2_cost_above_the_auth_worker_limit_fails_the_check(settings, cost_kib):
    settings.PORTAL_ARGON2_MEMORY_COST_KIB = cost_kib
    assert ids(argon2_memory_check()) == ["portal.E001"]
    with override_settings(**QUIET_SMS), pytest.raises(SystemCheckError, match=r"portal\.E001.*wrong password"):
        call_command("check", stdout=StringIO(), stderr=StringIO())


def test_without_the_main_password_for_mail_dovecot_never_hashes(settings):
    settings.PORTAL_ARGON2_MEMORY_COST_KIB = 1024 * 1024
    settings.PORTAL_MAIL_MAIN_PASSWORD_ALLOWED = False
    assert argon2_memory_check() == []


@override_settings(**QUIET_SMS)
def test_the_default_argon2_cost_passes_manage_py_check():
    call_command("check", stdout=StringIO(), stderr=StringIO())


@override_settings(CACHES=DATABASE_CACHE, **QUIET_SMS)
def test_production_on_the_database_cache_warns():
    assert ids(shared_cache_check()) == ["portal.W001"]
    output = StringIO()
    # Only the cache tag: under pytest, async.E001 (DJANGO_ALLOW_ASYNC_UNSAFE, set for Playwright) is a deploy error.
    call_command("check", deploy=True, tags=["caches"], stdout=output, stderr=output)
    assert "portal.W001" in output.getvalue() and "REDIS_URL" in output.getvalue()


def test_the_warning_is_a_deploy_check_only():
    with override_settings(CACHES=DATABASE_CACHE, **QUIET_SMS):
        output = StringIO()
        call_command("check", tags=["caches"], stdout=output, stderr=output)
    assert "portal.W001" not in output.getvalue()


@pytest.mark.parametrize(
    "backend", ["django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.filebased.FileBasedCache"]
)
def test_a_per_process_cache_warns_too(backend, tmp_path):
    with override_settings(CACHES={"default": {"BACKEND": backend, "LOCATION": str(tmp_path)}}):
        assert ids(shared_cache_check()) == ["portal.W001"]


@override_settings(CACHES=REDIS)
def test_redis_passes():
    assert shared_cache_check() == []  # reads the class only, connects to nothing


# --- At WSGI start ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("gateway", ["console", "test"])
def test_a_gateway_that_delivers_nothing_stops_the_application(gateway):
    with override_settings(DEBUG=False, PORTAL_SMS_GATEWAY=gateway), pytest.raises(ImproperlyConfigured) as refused:
        refuse_fatal_hazards()
    assert str(refused.value) == (
        f"The portal refuses to start: SMS gateway {gateway!r} does not deliver SMS and is for development and tests "
        "only (phone.E001)."
    )


def test_a_silenced_check_is_accepted_at_start_too():
    # make serve's demo accepts the console gateway with PORTAL_SILENCED_SYSTEM_CHECKS=phone.E001.
    with override_settings(DEBUG=False, PORTAL_SMS_GATEWAY="console", **QUIET_SMS):
        refuse_fatal_hazards()


def test_an_argon2_cost_above_the_limit_stops_the_application(settings):
    settings.PORTAL_ARGON2_MEMORY_COST_KIB = 256 * 1024
    with override_settings(**QUIET_SMS), pytest.raises(ImproperlyConfigured, match=r"portal\.E001"):
        refuse_fatal_hazards()


def test_warnings_do_not_stop_the_application():
    with override_settings(CACHES=DATABASE_CACHE, **QUIET_SMS):
        refuse_fatal_hazards()
