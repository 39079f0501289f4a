"""Settings shared by every environment, read from environment variables (and an optional ``.env``).

The portal's own knobs all start with ``PORTAL_``; each has a typed default here and is documented in
``.env.example``. Unsafe combinations fail a system check (``portal/checks.py``).
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
# Old keys during a rotation (comma-separated): they still open sealed secrets, sessions and signed links.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "phonenumber_field",
    "axes",
    "csp",
    "accounts",
    "security",
    "security.two_factor",
    "security.phone",
    "security.app_passwords",
    "security.trusted_devices",
    "security.helpdesk",
    "security.mail_policy",
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
    # Keeps the idle limit moving with activity, with one session write a minute (security/trusted_devices).
    "security.trusted_devices.middleware.SessionIdleRefreshMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Registers each signed-in session and enforces the absolute limit; needs request.user.
    "security.trusted_devices.middleware.SessionRegistryMiddleware",
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
# Cost of the account-password hash; see docs/architecture.md, "Password hashing".
PORTAL_ARGON2_TIME_COST = env.int("PORTAL_ARGON2_TIME_COST", default=2)
PORTAL_ARGON2_MEMORY_COST_KIB = env.int("PORTAL_ARGON2_MEMORY_COST_KIB", default=65536)
PORTAL_ARGON2_PARALLELISM = env.int("PORTAL_ARGON2_PARALLELISM", default=2)

PORTAL_PASSWORD_MAX_LENGTH = 1024
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

# --- Failed sign-ins (SECURITY.md 5, 6) ------------------------------------------------------------------
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
PORTAL_LOGIN_FREE_FAILURES_PER_ACCOUNT = env.int("PORTAL_LOGIN_FREE_FAILURES_PER_ACCOUNT", default=3)
PORTAL_LOGIN_FREE_FAILURES_PER_IP = env.int("PORTAL_LOGIN_FREE_FAILURES_PER_IP", default=20)
# The first wait after the free failures; each further failure doubles it, up to the maximum.
PORTAL_LOGIN_FIRST_DELAY_SECONDS = env.int("PORTAL_LOGIN_FIRST_DELAY_SECONDS", default=1)
PORTAL_LOGIN_MAX_DELAY = timedelta(seconds=env.int("PORTAL_LOGIN_MAX_DELAY_SECONDS", default=15 * 60))
# Number of reverse proxies in front of the portal whose X-Forwarded-For can be trusted (0: use REMOTE_ADDR).
PORTAL_TRUSTED_PROXY_COUNT = env.int("PORTAL_TRUSTED_PROXY_COUNT", default=0)

# --- Sign-in steps and sessions ------------------------------------------------------------------------
PORTAL_PENDING_SIGN_IN_TTL = timedelta(minutes=10)
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env.int("PORTAL_SESSION_IDLE_SECONDS", default=60 * 60)
# The cookie age works as the idle limit: SessionIdleRefreshMiddleware saves an unchanged session again once a minute
# (PORTAL_SESSION_ACTIVITY_WRITE_SECONDS), not on every request (docs/performance.md).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
PORTAL_SESSION_ABSOLUTE = timedelta(seconds=env.int("PORTAL_SESSION_ABSOLUTE_SECONDS", default=24 * 3600))

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

# --- Static files -----------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# --- Headers (SECURITY.md 36, 37) --------------------------------------------------------------------------
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

# --- The portal ---------------------------------------------------------------------------------------
PORTAL_SITE_NAME = env.str("PORTAL_SITE_NAME", default="Example Mail")
PORTAL_SMS_GATEWAY = env.str("PORTAL_SMS_GATEWAY", default="console")

# Logs go to standard error. PORTAL_LOG_FORMAT=json (the production default) writes one JSON object a line, for
# journald, Loki or Elasticsearch; every line carries the request's id (portal/request_id.py).
PORTAL_LOG_FORMAT = env.str("PORTAL_LOG_FORMAT", default="plain")
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
        "console": {"class": "logging.StreamHandler", "formatter": PORTAL_LOG_FORMAT, "filters": ["request_id"]}
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

# --- Fresh authentication for sensitive actions (security/reauth.py) ---------------------------------------
PORTAL_REAUTH_TTL = timedelta(minutes=env.int("PORTAL_REAUTH_MINUTES", default=10))

# --- Phone binding and SMS codes (security/phone, security/sms; docs/sms.md) -------------------------------
# PORTAL_SMS_GATEWAY (above) picks the gateway for every number: console, test, twilio, aliyun, tencent, or a
# dotted path to a gateway class; a comma list ("aliyun,tencent") is a chain, the next tried when one fails on
# its side. PORTAL_SMS_ROUTES gives regions their own chain: "CN=aliyun,tencent" (more: "CN=aliyun;HK=twilio").
PORTAL_SMS_ROUTES = {
    region.strip().upper(): [name.strip() for name in chain.split(",") if name.strip()]
    for region, _sep, chain in (
        entry.partition("=") for entry in env.str("PORTAL_SMS_ROUTES", default="").split(";") if entry.strip()
    )
}
PORTAL_PHONE_DEFAULT_REGION = env.str("PORTAL_PHONE_DEFAULT_REGION", default="CN")
# ISO 3166 regions numbers may come from; anything else is refused before any gateway call (SECURITY.md 17).
PORTAL_SMS_ALLOWED_REGIONS = env.list("PORTAL_SMS_ALLOWED_REGIONS", default=["CN", "HK", "MO", "TW"])
# One number may be bound to this many accounts (decided in docs/sms.md, "One number, several accounts").
PORTAL_PHONE_MAX_ACCOUNTS_PER_NUMBER = env.int("PORTAL_PHONE_MAX_ACCOUNTS_PER_NUMBER", default=5)
PORTAL_SMS_CODE_TTL = timedelta(seconds=env.int("PORTAL_SMS_CODE_TTL_SECONDS", default=5 * 60))
PORTAL_SMS_CODE_MAX_FAILURES = env.int("PORTAL_SMS_CODE_MAX_FAILURES", default=5)
PORTAL_SMS_RESEND_COOLDOWN = timedelta(seconds=env.int("PORTAL_SMS_RESEND_COOLDOWN_SECONDS", default=60))
# After PORTAL_SMS_CODE_MAX_FAILURES wrong codes, no new code for this long.
PORTAL_SMS_LOCKOUT = timedelta(seconds=env.int("PORTAL_SMS_LOCKOUT_SECONDS", default=60 * 60))
# Send limits (counters in the default cache, so every process shares them).
PORTAL_SMS_LIMIT_PER_NUMBER_PER_HOUR = env.int("PORTAL_SMS_LIMIT_PER_NUMBER_PER_HOUR", default=5)
PORTAL_SMS_LIMIT_PER_ACCOUNT_PER_DAY = env.int("PORTAL_SMS_LIMIT_PER_ACCOUNT_PER_DAY", default=10)
PORTAL_SMS_LIMIT_PER_IP_PER_HOUR = env.int("PORTAL_SMS_LIMIT_PER_IP_PER_HOUR", default=20)
PORTAL_SMS_LIMIT_GLOBAL_PER_DAY = env.int("PORTAL_SMS_LIMIT_GLOBAL_PER_DAY", default=2000)
# Twilio (PORTAL_SMS_GATEWAY=twilio): From, or a Messaging Service SID (which wins when both are set).
PORTAL_TWILIO_ACCOUNT_SID = env.str("PORTAL_TWILIO_ACCOUNT_SID", default="")
PORTAL_TWILIO_AUTH_TOKEN = env.str("PORTAL_TWILIO_AUTH_TOKEN", default="")
PORTAL_TWILIO_FROM = env.str("PORTAL_TWILIO_FROM", default="")
PORTAL_TWILIO_MESSAGING_SERVICE_SID = env.str("PORTAL_TWILIO_MESSAGING_SERVICE_SID", default="")
PORTAL_TWILIO_API_BASE_URL = env.str("PORTAL_TWILIO_API_BASE_URL", default="https://api.twilio.com")
PORTAL_TWILIO_TIMEOUT_SECONDS = env.float("PORTAL_TWILIO_TIMEOUT_SECONDS", default=10.0)
# Aliyun SMS (aliyun): an AccessKey, the approved signature (签名) and a template code per message; template
# names are verification_code, number_changed, recovery, optionally per language (verification_code.en=SMS_...).
PORTAL_ALIYUN_ACCESS_KEY_ID = env.str("PORTAL_ALIYUN_ACCESS_KEY_ID", default="")
PORTAL_ALIYUN_ACCESS_KEY_SECRET = env.str("PORTAL_ALIYUN_ACCESS_KEY_SECRET", default="")
PORTAL_ALIYUN_SIGN_NAME = env.str("PORTAL_ALIYUN_SIGN_NAME", default="")
PORTAL_ALIYUN_TEMPLATES = env.dict("PORTAL_ALIYUN_TEMPLATES", default={})
PORTAL_ALIYUN_ENDPOINT = env.str("PORTAL_ALIYUN_ENDPOINT", default="dysmsapi.aliyuncs.com")
PORTAL_ALIYUN_PROTOCOL = env.str("PORTAL_ALIYUN_PROTOCOL", default="https")
PORTAL_ALIYUN_TIMEOUT_SECONDS = env.float("PORTAL_ALIYUN_TIMEOUT_SECONDS", default=5.0)
# Tencent Cloud SMS (tencent): a SecretId/SecretKey, the SMS application's SdkAppId, the signature, and a numeric
# TemplateId per message (same names as above).
PORTAL_TENCENT_SECRET_ID = env.str("PORTAL_TENCENT_SECRET_ID", default="")
PORTAL_TENCENT_SECRET_KEY = env.str("PORTAL_TENCENT_SECRET_KEY", default="")
PORTAL_TENCENT_SMS_SDK_APP_ID = env.str("PORTAL_TENCENT_SMS_SDK_APP_ID", default="")
PORTAL_TENCENT_SIGN_NAME = env.str("PORTAL_TENCENT_SIGN_NAME", default="")
PORTAL_TENCENT_TEMPLATES = env.dict("PORTAL_TENCENT_TEMPLATES", default={})
PORTAL_TENCENT_REGION = env.str("PORTAL_TENCENT_REGION", default="ap-guangzhou")
PORTAL_TENCENT_ENDPOINT = env.str("PORTAL_TENCENT_ENDPOINT", default="sms.tencentcloudapi.com")
PORTAL_TENCENT_PROTOCOL = env.str("PORTAL_TENCENT_PROTOCOL", default="https")
PORTAL_TENCENT_TIMEOUT_SECONDS = env.float("PORTAL_TENCENT_TIMEOUT_SECONDS", default=5.0)
# The twilio SDK logs every request's URL and headers at INFO; keep only its warnings.
LOGGING["loggers"]["twilio.http_client"] = {"level": "WARNING"}
# urllib3 logs each request line at DEBUG, and Aliyun's SDK puts the template parameters (the code) in the URL.
LOGGING["loggers"]["urllib3.connectionpool"] = {"level": "WARNING"}
# Tencent Cloud's SDK logs each request body (the template parameters) at DEBUG.
LOGGING["loggers"]["tencentcloud_sdk_common"] = {"level": "WARNING"}
# --- App passwords and the mail server (security/app_passwords, docs/mail-server.md) --------------------
PORTAL_APP_PASSWORDS_MAX_ACTIVE = env.int("PORTAL_APP_PASSWORDS_MAX_ACTIVE", default=25)
# SECURITY.md 25: a password change or reset revokes every app password unless this is true.
PORTAL_APP_PASSWORDS_KEEP_ON_PASSWORD_CHANGE = env.bool("PORTAL_APP_PASSWORDS_KEEP_ON_PASSWORD_CHANGE", default=False)
# False: the main password never works for SMTP/IMAP/POP3, only app passwords do. Copied into the database for
# the mail_accounts view after every migrate, and by `manage.py app_password site-options`.
PORTAL_MAIL_MAIN_PASSWORD_ALLOWED = env.bool("PORTAL_MAIL_MAIN_PASSWORD_ALLOWED", default=True)
# What the portal tells users to type into their mail client, beside a new app password.
PORTAL_MAIL_SMTP_HOST = env.str("PORTAL_MAIL_SMTP_HOST", default="smtp.example.com")
PORTAL_MAIL_SMTP_PORT = env.int("PORTAL_MAIL_SMTP_PORT", default=465)
PORTAL_MAIL_SMTP_SECURITY = env.str("PORTAL_MAIL_SMTP_SECURITY", default="SSL/TLS")
PORTAL_MAIL_IMAP_HOST = env.str("PORTAL_MAIL_IMAP_HOST", default="imap.example.com")
PORTAL_MAIL_IMAP_PORT = env.int("PORTAL_MAIL_IMAP_PORT", default=993)
PORTAL_MAIL_IMAP_SECURITY = env.str("PORTAL_MAIL_IMAP_SECURITY", default="SSL/TLS")
PORTAL_MAIL_POP3_HOST = env.str("PORTAL_MAIL_POP3_HOST", default="pop.example.com")
PORTAL_MAIL_POP3_PORT = env.int("PORTAL_MAIL_POP3_PORT", default=995)
PORTAL_MAIL_POP3_SECURITY = env.str("PORTAL_MAIL_POP3_SECURITY", default="SSL/TLS")
# These same PORT/SECURITY values are where `manage.py mail_server_config` makes Dovecot listen (SSL/TLS or
# STARTTLS), so the page and the server cannot disagree.
# Dovecot's auth cache: empty keeps it off in the generated config (the default). "doveadm" (a local Dovecot) or
# the doveadm HTTP API's URL (http://HOST:8080/doveadm/v1, with the API key) turns it on, and the portal then
# flushes a user's entries after every change that the mail server must see (security/app_passwords/dovecot_cache.py).
PORTAL_DOVECOT_AUTH_CACHE_FLUSH = env.str("PORTAL_DOVECOT_AUTH_CACHE_FLUSH", default="")
PORTAL_DOVECOT_DOVEADM = env.str("PORTAL_DOVECOT_DOVEADM", default="doveadm")
PORTAL_DOVECOT_DOVEADM_API_KEY = env.str("PORTAL_DOVECOT_DOVEADM_API_KEY", default="")
# Seconds to wait before each retry of a failed flush (logged; the change itself always stands).
PORTAL_DOVECOT_FLUSH_RETRY_DELAYS = env.list("PORTAL_DOVECOT_FLUSH_RETRY_DELAYS", cast=float, default=[1.0, 5.0, 30.0])

# --- Two-step verification (security/two_factor; SECURITY.md 8-12, 19, 20, 33) -------------------------------
# Shown in authenticator apps (label and issuer parameter of the otpauth URI).
PORTAL_TOTP_ISSUER = env.str("PORTAL_TOTP_ISSUER", default="") or PORTAL_SITE_NAME
# How far (in 30 s steps) a phone's clock may be learned to run slow; learned only from accepted codes.
PORTAL_TOTP_MAX_DRIFT_STEPS = env.int("PORTAL_TOTP_MAX_DRIFT_STEPS", default=2)
# Wrong codes, per device and counted in the database (so across all sessions and IPs of the account): wait
# factor * 2^(n-1) seconds after the n-th consecutive failure, and lock the device after the hard cap.
PORTAL_TWO_STEP_THROTTLE_FACTOR = env.int("PORTAL_TWO_STEP_THROTTLE_FACTOR", default=1)
PORTAL_TWO_STEP_MAX_FAILURES = env.int("PORTAL_TWO_STEP_MAX_FAILURES", default=20)
PORTAL_RECOVERY_CODE_COUNT = 10
# How long setup keeps its pending secret, and how long new recovery codes stay on screen.
PORTAL_TWO_STEP_SETUP_TTL = timedelta(minutes=10)

# --- Trusted devices and signed-in sessions (security/trusted_devices; SECURITY.md 27, 28, 31, 32) -----------
PORTAL_TRUSTED_DEVICE_DAYS = env.int("PORTAL_TRUSTED_DEVICE_DAYS", default=30)
# Empty: "__Host-trusted_device" when SESSION_COOKIE_SECURE (production), else "trusted_device".
PORTAL_TRUSTED_DEVICE_COOKIE_NAME = env.str("PORTAL_TRUSTED_DEVICE_COOKIE_NAME", default="")
# A session's "last activity", and its expiry (the idle limit), are written at most this often (seconds), not on
# every request.
PORTAL_SESSION_ACTIVITY_WRITE_SECONDS = 60

# --- Mail-app setup: guides, autoconfig, autodiscover, Apple profiles (security/mail_clients; docs/mail-clients.md)
INSTALLED_APPS += ["security.mail_clients"]
# The mail domains whose addresses get Thunderbird autoconfig and Outlook autodiscover answers (first = main one).
# Servers and ports come from PORTAL_MAIL_SMTP_* / _IMAP_* / _POP3_* above.
PORTAL_MAIL_DOMAINS = env.list("PORTAL_MAIL_DOMAINS", default=["example.com"])
# PEM files to sign Apple configuration profiles with (certificate first, then intermediates; and its key).
# Both empty: profiles are unsigned and iOS shows them as "Unverified". One without the other fails a check.
PORTAL_MAIL_PROFILE_SIGNING_CERT = env.str("PORTAL_MAIL_PROFILE_SIGNING_CERT", default="")
PORTAL_MAIL_PROFILE_SIGNING_KEY = env.str("PORTAL_MAIL_PROFILE_SIGNING_KEY", default="")
PORTAL_MAIL_PROFILE_SIGNING_KEY_PASSWORD = env.str("PORTAL_MAIL_PROFILE_SIGNING_KEY_PASSWORD", default="")

# Account recovery ("Forgot password?", docs/security.md). Codes to the confirmed alert address or the bound phone.
PORTAL_ACCOUNT_RECOVERY_CODE_TTL = timedelta(
    seconds=env.int("PORTAL_ACCOUNT_RECOVERY_CODE_TTL_SECONDS", default=10 * 60)
)
PORTAL_ACCOUNT_RECOVERY_MAX_FAILURES = env.int("PORTAL_ACCOUNT_RECOVERY_MAX_FAILURES", default=5)
PORTAL_ACCOUNT_RECOVERY_LIMIT_PER_ACCOUNT_PER_HOUR = env.int(
    "PORTAL_ACCOUNT_RECOVERY_LIMIT_PER_ACCOUNT_PER_HOUR", default=5
)
PORTAL_ACCOUNT_RECOVERY_LIMIT_PER_IP_PER_HOUR = env.int("PORTAL_ACCOUNT_RECOVERY_LIMIT_PER_IP_PER_HOUR", default=20)
PORTAL_ACCOUNT_RECOVERY_LIMIT_GLOBAL_PER_HOUR = env.int("PORTAL_ACCOUNT_RECOVERY_LIMIT_GLOBAL_PER_HOUR", default=1000)
PORTAL_ACCOUNT_RECOVERY_CODE_TRIES_PER_IP_PER_HOUR = env.int(
    "PORTAL_ACCOUNT_RECOVERY_CODE_TRIES_PER_IP_PER_HOUR", default=50
)
# Every "send me a code" answer takes at least this long, so its timing does not tell whether anything was sent.
PORTAL_ACCOUNT_RECOVERY_RESPONSE_FLOOR = timedelta(
    milliseconds=env.int("PORTAL_ACCOUNT_RECOVERY_RESPONSE_FLOOR_MS", default=1500)
)

# --- Dovecot's auth policy server (security/mail_policy, docs/mail-server.md) ---------------------------------------
# Empty secret: the endpoint answers 404 and mail_server_config writes no policy settings.
PORTAL_MAIL_POLICY_SECRET = env.str("PORTAL_MAIL_POLICY_SECRET", default="")
# Salts the password hash Dovecot sends (auth_policy_hash_nonce), so a repeated wrong password is recognised.
PORTAL_MAIL_POLICY_HASH_NONCE = env.str("PORTAL_MAIL_POLICY_HASH_NONCE", default="")
# Where Dovecot reaches the portal, e.g. http://127.0.0.1:8000/mail-policy/ (written into its config).
PORTAL_MAIL_POLICY_URL = env.str("PORTAL_MAIL_POLICY_URL", default="")
PORTAL_MAIL_POLICY_ALLOWED_IPS = env.list("PORTAL_MAIL_POLICY_ALLOWED_IPS", default=["127.0.0.1/32", "::1/128"])
PORTAL_MAIL_POLICY_WINDOW = timedelta(seconds=env.int("PORTAL_MAIL_POLICY_WINDOW_SECONDS", default=15 * 60))
PORTAL_MAIL_POLICY_TARPIT_AFTER = env.int("PORTAL_MAIL_POLICY_TARPIT_AFTER", default=5)
PORTAL_MAIL_POLICY_MAX_TARPIT_SECONDS = env.int("PORTAL_MAIL_POLICY_MAX_TARPIT_SECONDS", default=15)
PORTAL_MAIL_POLICY_REJECT_AFTER = env.int("PORTAL_MAIL_POLICY_REJECT_AFTER", default=30)
PORTAL_MAIL_POLICY_IP_REJECT_AFTER = env.int("PORTAL_MAIL_POLICY_IP_REJECT_AFTER", default=50)
# Consecutive failures (the same wrong password counted once a day) before the durable lock; at most 100.
PORTAL_MAIL_POLICY_LOCK_FAILURES = env.int("PORTAL_MAIL_POLICY_LOCK_FAILURES", default=100)
