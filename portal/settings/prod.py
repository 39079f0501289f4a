"""Production. Refuses to start without a real SECRET_KEY; ``manage.py check --deploy`` is clean."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, LOGGING, SECRET_KEY, SILENCED_SYSTEM_CHECKS, env

DEBUG = False
if "ALLOWED_HOSTS" not in env.ENVIRON:
    raise ImproperlyConfigured("Set ALLOWED_HOSTS to the portal's host name(s), comma-separated.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith(("dev-only", "django-insecure", "change-me")):
    raise ImproperlyConfigured("Set SECRET_KEY to a random string of at least 50 characters.")

# Each worker keeps its database connection between requests instead of opening one per request (on PostgreSQL
# that is a new server process each time: docs/performance.md); checked before reuse, so a restarted database
# costs one failed health check, not a failed request. ``?conn_max_age=0`` in DATABASE_URL turns it off.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("PORTAL_DB_CONN_MAX_AGE", default=300))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Load balancers probe over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# One JSON object a line, unless the deployer asks for plain text.
LOGGING["handlers"]["console"]["formatter"] = env.str("PORTAL_LOG_FORMAT", default="json")
# A deployer may accept a check's finding on purpose (``make serve``'s demo accepts the console SMS gateway).
SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, *env.list("PORTAL_SILENCED_SYSTEM_CHECKS", default=[])]
