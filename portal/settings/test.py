"""pytest: the database comes from DATABASE_URL (SQLite by default), caches stay in memory."""

from datetime import timedelta

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES

SECRET_KEY = "test-only-key-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["*"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PORTAL_SMS_GATEWAY = "test"
LANGUAGE_CODE = "zh-hans"

# Still Argon2id (so Dovecot can verify it in the mail-server tests), but cheap.
PORTAL_ARGON2_TIME_COST = 1
PORTAL_ARGON2_MEMORY_COST_KIB = 1024
PORTAL_ARGON2_PARALLELISM = 1

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: Dovecot and the live server must see the same test database.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".pytest-db.sqlite3")}

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Tests that measure the enumeration rule set their own floor.
PORTAL_ACCOUNT_RECOVERY_RESPONSE_FLOOR = timedelta(0)
