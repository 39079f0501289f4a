"""Settings shared by every environment, read from environment variables (and an optional ``.env``).

The portal's own knobs all start with ``PORTAL_``; each is declared with its type, default, environment variable
and meaning in ``portal/conf.py`` (code reads them as ``portal.conf.portal_settings``), and listed in
``.env.example``. Unsafe combinations fail a system check (``portal/checks.py``).
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

from portal.conf import settings_from_environment

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)

# Every PORTAL_* setting, from the environment or its default (portal/conf.py).
_portal = settings_from_environment(env)
globals().update(_portal)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
# Old keys during a rotation (comma-separated): they still open sealed secrets, sessions and signed links.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Django's admin, whose default site asks for a verified second factor (portal/apps.py).
    "portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "phonenumber_field",
    "security.sign_in_lockouts.SignInLockoutsConfig",  # django-axes, named for the admin
    "csp",
    "portal",
    "accounts",
    "security",
    "security.sessions",
    "security.two_factor",
    "security.phone",
    "security.app_passwords",
    "security.trusted_devices",
    "security.passkeys",
    "security.helpdesk",
    "security.mail_policy",
    "accounts.recovery",
]

MIDDLEWARE = [
    # Dovecot's auth policy endpoint is answered here, ahead of sessions, CSRF and locale (security/mail_policy).
    "security.mail_policy.middleware.MailPolicyMiddleware",
    # Next, so every log line of a portal request, errors included, carries its id.
    "portal.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Keeps the idle limit moving with activity, with one session write a minute (security/sessions).
    "security.sessions.middleware.SessionIdleRefreshMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Registers each signed-in session and enforces the absolute limit; needs request.user.
    "security.sessions.middleware.SessionRegistryMiddleware",
    # Sets or clears the trusted-device cookie the sign-in decided on.
    "django.contrib.messages.middleware.MessageMiddleware",
    "security.two_factor.middleware.TwoStepSetupRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout raised by the backend into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------
# The same database is read by Dovecot through the views described in docs/mail-server.md.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
_engine = DATABASES["default"]["ENGINE"]
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if _engine == "django.db.backends.sqlite3":
    # IMMEDIATE makes write transactions take the lock up front, so two racing requests queue instead of
    # failing with "database is locked" half-way through.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
elif _engine == "django.db.backends.mysql":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"charset": "utf8mb4", "init_command": "SET sql_mode='STRICT_TRANS_TABLES'"}
    )
    DATABASES["default"]["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: rate limits and throttles must be shared by every process --------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "portal_cache"}}

# --- Accounts and passwords -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "security:overview"
LOGOUT_REDIRECT_URL = "accounts:sign_in"

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked account before any password is hashed.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Argon2id first: Dovecot verifies it once the view rewrites the prefix (docs/mail-server.md, "Hashing").
PASSWORD_HASHERS = [
    "accounts.hashers.PortalArgon2Hasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "full_name")},
    },
    {"NAME": "accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "accounts.validators.ContextWordsValidator"},
    {"NAME": "accounts.validators.MaximumLengthValidator"},
]

# --- Failed sign-ins (docs/security.md items 5, 6) ------------------------------------------------------------------
# django-axes keeps the hard lock per account; accounts/services/throttle.py adds growing delays per account and
# per IP before that. Helpdesk clears a lock in the admin ("Access attempts") or with `manage.py axes_reset`.
AXES_FAILURE_LIMIT = env.int("PORTAL_LOGIN_HARD_LOCK_FAILURES", default=100)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_COOLOFF_TIME = None
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.services.throttle.username_from_request"
AXES_CLIENT_IP_CALLABLE = "security.client.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["password", "code", "token"]

# --- Sign-in steps and sessions ------------------------------------------------------------------------
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env.int("PORTAL_SESSION_IDLE_SECONDS", default=60 * 60)
# The cookie age works as the idle limit: SessionIdleRefreshMiddleware saves an unchanged session again once a minute
# (PORTAL_SESSION_ACTIVITY_WRITE_SECONDS), not on every request (docs/performance.md).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- Internationalisation ----------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "portal_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True
# One date format per language on every page and in the admin (portal/formats/).
FORMAT_MODULE_PATH = ["portal.formats"]

# --- Static files -----------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# --- Headers (docs/security.md items 36, 37) ------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- E-mail (security notifications) ----------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Mail Security <security@localhost>")

# --- Logs ----------------------------------------------------------------------------------------------------
# Logs go to standard error. PORTAL_LOG_FORMAT=json (the production default) writes one JSON object a line, for
# journald, Loki or Elasticsearch; every line carries the request's id (portal/request_id.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "portal.request_id.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler", "formatter": _portal["PORTAL_LOG_FORMAT"], "filters": ["request_id"]
        }
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "axes": {"level": "WARNING"},
        "django.db.backends": {"level": "INFO"},
        # Django's own request log repeats what portal.request already says, without the id's context.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
    },
}

# axes.W006 wants a per-IP hard lock too. We throttle IPs with growing delays instead (accounts/services/throttle.py):
# a permanent per-IP lock would shut out every user behind a carrier-grade NAT.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# --- SMS gateways (security/sms; docs/sms.md) ---------------------------------------------------------------
# The twilio SDK logs every request's URL and headers at INFO; keep only its warnings.
LOGGING["loggers"]["twilio.http_client"] = {"level": "WARNING"}
# urllib3 logs each request line at DEBUG, and Aliyun's SDK puts the template parameters (the code) in the URL.
LOGGING["loggers"]["urllib3.connectionpool"] = {"level": "WARNING"}
# Tencent Cloud's SDK logs each request body (the template parameters) at DEBUG.
LOGGING["loggers"]["tencentcloud_sdk_common"] = {"level": "WARNING"}

# --- Mail-app setup: guides, autoconfig, autodiscover, Apple profiles (security/mail_clients; docs/mail-clients.md)
INSTALLED_APPS += ["security.mail_clients"]
