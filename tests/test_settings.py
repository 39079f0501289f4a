"""Production settings refuse unsafe starts, and `check --deploy` is clean under them (item 36)."""

import os
import secrets
import subprocess
import sys

from django.conf import settings

GOOD_KEY = secrets.token_urlsafe(60)


def manage(*args, **env):
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="portal.settings.prod",
        PORTAL_SMS_GATEWAY="twilio",
        PORTAL_TWILIO_ACCOUNT_SID="AC" + "0" * 32,
        PORTAL_TWILIO_AUTH_TOKEN="token",
        PORTAL_TWILIO_FROM="+15005550006",
        **env,
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_deploy_is_clean_under_production_settings():
    # The check only reads the cache's class; nothing connects to Redis.
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="mail.example.com",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", ALLOWED_HOSTS="mail.example.com")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_a_short_or_dev_secret_key():
    result = manage("check", SECRET_KEY="dev-only-insecure-key-never-use-in-production", ALLOWED_HOSTS="x.example")
    assert result.returncode != 0


def test_production_refuses_to_start_without_allowed_hosts():
    result = manage("check", SECRET_KEY=GOOD_KEY)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_hsts_is_at_least_a_year():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SECURE_HSTS_SECONDS)",
        SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS="mail.example.com",
    )
    assert int(result.stdout.strip().splitlines()[-1]) >= 31536000


def test_database_url_selects_the_backend():
    import environ

    env = environ.Env()
    assert env.db_url_config("postgres://portal@db.example:5432/portal")["ENGINE"] == "django.db.backends.postgresql"
    assert env.db_url_config("mysql://portal@db.example:3306/portal")["ENGINE"] == "django.db.backends.mysql"
    assert env.db_url_config("sqlite:////tmp/x.sqlite3")["ENGINE"] == "django.db.backends.sqlite3"


def test_demo_user_command_is_idempotent(db):
    from django.core.management import call_command

    from accounts.management.commands.create_demo_user import DEMO_ADDRESS, DEMO_PASSWORD
    from accounts.models import User

    call_command("create_demo_user")
    call_command("create_demo_user")
    assert User.objects.filter(email=DEMO_ADDRESS).count() == 1
    assert User.objects.get(email=DEMO_ADDRESS).check_password(DEMO_PASSWORD)
