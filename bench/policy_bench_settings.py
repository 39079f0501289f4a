"""Settings for bench/mail_policy.py's gunicorn workers: the test settings with Redis as the shared cache (the
workers are separate processes) and persistent database connections, as a deployment would run."""

import os

from portal.settings.test import *  # noqa: F403
from portal.settings.test import DATABASES

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["BENCH_REDIS_URL"],
        "KEY_PREFIX": "portal_policy_bench",
    }
}
DATABASES["default"]["CONN_MAX_AGE"] = 60
