"""The portal's own settings (``PORTAL_*``): for each one its type, default, environment variable and meaning.

This is the one place they are declared. ``portal/settings/base.py`` turns them into Django settings with
``settings_from_environment(env)``; the environment variable has the setting's name unless noted (``_SECONDS``,
``_MINUTES`` and ``_MS`` variables give a ``timedelta``). ``.env.example`` and docs/deploy.md list the variables.

Code reads them as typed attributes::

    from portal.conf import portal_settings
    portal_settings.sms_code_ttl            # timedelta, PORTAL_SMS_CODE_TTL

Each attribute reads Django's settings when it is used, so ``override_settings`` and pytest's ``settings``
fixture apply, and falls back to the default when a settings module leaves the setting out. Reading
``django.conf.settings.PORTAL_X`` still works, since every declared setting is a Django setting.

Bad combinations are caught by system checks (``portal/checks.py`` and each app's ``checks.py``).
"""

import copy
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Generic, TypeVar, overload

from django.conf import settings as django_settings

T = TypeVar("T")
Reader = Callable[[Any, str, Any], Any]  # (environ.Env, variable, default) -> value


class Setting(Generic[T]):
    """One ``PORTAL_<NAME>`` setting, declared as the attribute ``<name>`` of ``PortalSettings``."""

    def __init__(self, default: T, doc: str, *, read: Reader | None = None, variable: str = ""):
        self.default, self.doc, self.read, self.variable = default, doc, read, variable
        self.__doc__ = doc

    def __set_name__(self, owner, attribute: str) -> None:
        self.name = f"PORTAL_{attribute.upper()}"
        self.variable = self.variable or self.name

    @overload
    def __get__(self, instance: None, owner: type) -> "Setting[T]": ...
    @overload
    def __get__(self, instance: object, owner: type) -> T: ...
    def __get__(self, instance, owner):
        if instance is None:
            return self
        return getattr(django_settings, self.name, self.default)


# --- How a value is read from the environment (django-environ's ``Env``) ---------------------------------------
def _str(env, variable, default):
    return env.str(variable, default=default)


def _int(env, variable, default):
    return env.int(variable, default=default)


def _float(env, variable, default):
    return env.float(variable, default=default)


def _bool(env, variable, default):
    return env.bool(variable, default=default)


def _list(env, variable, default):
    return env.list(variable, default=default)


def _float_list(env, variable, default):
    return env.list(variable, cast=float, default=default)


def _dict(env, variable, default):
    return env.dict(variable, default=default)


def _seconds(env, variable, default: timedelta):
    return timedelta(seconds=env.int(variable, default=int(default.total_seconds())))


def _minutes(env, variable, default: timedelta):
    return timedelta(minutes=env.int(variable, default=int(default.total_seconds() // 60)))


def _milliseconds(env, variable, default: timedelta):
    return timedelta(milliseconds=env.int(variable, default=int(default.total_seconds() * 1000)))


def _sms_routes(env, variable, default):
    """``CN=aliyun,tencent;HK=twilio`` -> ``{"CN": ["aliyun", "tencent"], "HK": ["twilio"]}``."""
    return {
        region.strip().upper(): [name.strip() for name in chain.split(",") if name.strip()]
        for region, _sep, chain in (
            entry.partition("=") for entry in env.str(variable, default="").split(";") if entry.strip()
        )
    } or default


def _fixed(env, variable, default):
    """Not read from the environment: the value is part of the design (tests may still override it)."""
    return default


class PortalSettings:
    """Every ``PORTAL_*`` setting. Attribute ``x`` is the setting ``PORTAL_X``."""

    # --- The site ----------------------------------------------------------------------------------------------
    site_name = Setting("Example Mail", "The service's name in pages, e-mails and SMS.", read=_str)
    log_format = Setting(
        "plain",
        "plain or json (one JSON object a line, for journald, Loki or Elasticsearch); production defaults to json.",
        read=_str,
    )

    # --- Account passwords (docs/architecture.md, "Password hashing") ------------------------------------------
    argon2_time_cost = Setting(2, "Argon2id passes over memory.", read=_int)
    argon2_memory_cost_kib = Setting(
        65536,
        "Argon2id memory per hash, in KiB. Dovecot's auth worker must hold it (check portal.E001: at most 224 MiB "
        "with the generated vsz_limit = 256M).",
        read=_int,
    )
    argon2_parallelism = Setting(2, "Argon2id lanes.", read=_int)
    password_max_length = Setting(1024, "Longer passwords are refused with a message, never cut.", read=_fixed)

    # --- Failed sign-ins (accounts/services/throttle.py; the hard lock is AXES_FAILURE_LIMIT) -------------------
    login_free_failures_per_account = Setting(3, "Wrong passwords per account before delays start.", read=_int)
    login_free_failures_per_ip = Setting(20, "Wrong passwords per IP before delays start.", read=_int)
    login_first_delay_seconds = Setting(
        1, "The first wait after the free failures; each further failure doubles it.", read=_int
    )
    login_max_delay = Setting(
        timedelta(minutes=15), "The longest wait between two password checks.", read=_seconds,
        variable="PORTAL_LOGIN_MAX_DELAY_SECONDS",
    )
    trusted_proxy_count = Setting(
        0, "Reverse proxies in front whose X-Forwarded-For is trusted (0: use REMOTE_ADDR).", read=_int
    )

    # --- Sign-in steps and sessions -----------------------------------------------------------------------------
    pending_sign_in_ttl = Setting(
        timedelta(minutes=10), "How long a correct password waits for the second step.", read=_fixed
    )
    session_absolute = Setting(
        timedelta(hours=24), "A session ends this long after sign-in, however active (the idle limit is "
        "SESSION_COOKIE_AGE, from PORTAL_SESSION_IDLE_SECONDS).", read=_seconds,
        variable="PORTAL_SESSION_ABSOLUTE_SECONDS",
    )
    session_activity_write_seconds = Setting(
        60, "A session's last activity is written at most this often, not on every request.", read=_fixed
    )
    reauth_ttl = Setting(
        timedelta(minutes=10), "How long a confirmed password or second factor unlocks sensitive actions.",
        read=_minutes, variable="PORTAL_REAUTH_MINUTES",
    )

    # --- Passkeys and security keys (security/passkeys; WebAuthn) ----------------------------------------------
    passkey_rp_id = Setting(
        "",
        "The WebAuthn relying-party ID: the portal's host name or a parent domain of it, in ALLOWED_HOSTS "
        "(check passkeys.E001). Keys are bound to it for good: changing it later makes every passkey useless. "
        "Empty: the host of each request.",
        read=_str,
    )
    passkey_origins = Setting(
        [], "The origins (https://host[:port]) passkeys may answer from, on the RP ID (check passkeys.E002). "
        "Empty: the request's own origin.", read=_list,
    )
    passkey_challenge_ttl = Setting(
        timedelta(minutes=5), "How long the browser's passkey dialog may take; the challenge is then refused.",
        read=_fixed,
    )

    # --- Phone binding and SMS (security/phone, security/sms; docs/sms.md) -------------------------------------
    sms_gateway = Setting(
        "console",
        "The gateway for every number: console, test, twilio, aliyun, tencent, or a dotted path to a gateway class; "
        'a comma list ("aliyun,tencent") is a chain, the next tried when one fails on its side. console and test '
        "deliver nothing and are refused outside DEBUG (phone.E001, also when a worker starts).",
        read=_str,
    )
    sms_routes = Setting(
        {}, 'Regions with their own chain: "CN=aliyun,tencent" (more: "CN=aliyun;HK=twilio").', read=_sms_routes
    )
    phone_default_region = Setting("CN", "The region of a number typed without +country code.", read=_str)
    sms_allowed_regions = Setting(
        ["CN", "HK", "MO", "TW"],
        "ISO 3166 regions numbers may come from; anything else is refused before any gateway call.",
        read=_list,
    )
    phone_max_accounts_per_number = Setting(
        5, 'One number may be bound to this many accounts (docs/sms.md, "One number, several accounts").', read=_int
    )
    sms_code_ttl = Setting(
        timedelta(minutes=5), "How long an SMS code works (the check allows 1 to 10 minutes).", read=_seconds,
        variable="PORTAL_SMS_CODE_TTL_SECONDS",
    )
    sms_code_max_failures = Setting(5, "Wrong SMS codes before the lockout.", read=_int)
    sms_resend_cooldown = Setting(
        timedelta(minutes=1), "The wait before another code.", read=_seconds,
        variable="PORTAL_SMS_RESEND_COOLDOWN_SECONDS",
    )
    sms_lockout = Setting(
        timedelta(hours=1), "After the maximum of wrong codes, no new code for this long.", read=_seconds,
        variable="PORTAL_SMS_LOCKOUT_SECONDS",
    )
    sms_limit_per_number_per_hour = Setting(5, "Send limit per number and clock hour (in the shared cache).", read=_int)
    sms_limit_per_account_per_day = Setting(10, "Send limit per account and UTC day.", read=_int)
    sms_limit_per_ip_per_hour = Setting(20, "Send limit per IP and clock hour.", read=_int)
    sms_limit_global_per_day = Setting(2000, "Send limit for the whole site and UTC day.", read=_int)
    # Twilio (twilio): From, or a Messaging Service SID (which wins when both are set).
    twilio_account_sid = Setting("", "Twilio account SID.", read=_str)
    twilio_auth_token = Setting("", "Twilio auth token.", read=_str)
    twilio_from = Setting("", "Twilio sender number.", read=_str)
    twilio_messaging_service_sid = Setting("", "Twilio Messaging Service SID; wins over the sender.", read=_str)
    twilio_api_base_url = Setting("https://api.twilio.com", "Twilio's API (the tests point it at a stand-in).",
                                  read=_str)
    twilio_timeout_seconds = Setting(10.0, "Twilio request timeout.", read=_float)
    # Aliyun SMS (aliyun): template names are verification_code, number_changed, recovery, optionally per language
    # (verification_code.en=SMS_...).
    aliyun_access_key_id = Setting("", "Aliyun AccessKey id.", read=_str)
    aliyun_access_key_secret = Setting("", "Aliyun AccessKey secret.", read=_str)
    aliyun_sign_name = Setting("", "The approved signature (签名).", read=_str)
    aliyun_templates = Setting({}, "Template code per message name.", read=_dict)
    aliyun_endpoint = Setting("dysmsapi.aliyuncs.com", "Aliyun SMS API host.", read=_str)
    aliyun_protocol = Setting("https", "https (http only for the tests' stand-in).", read=_str)
    aliyun_timeout_seconds = Setting(5.0, "Aliyun request timeout.", read=_float)
    # Tencent Cloud SMS (tencent): a numeric TemplateId per message (same names as Aliyun's).
    tencent_secret_id = Setting("", "Tencent Cloud SecretId.", read=_str)
    tencent_secret_key = Setting("", "Tencent Cloud SecretKey.", read=_str)
    tencent_sms_sdk_app_id = Setting("", "The SMS application's SdkAppId.", read=_str)
    tencent_sign_name = Setting("", "The approved signature.", read=_str)
    tencent_templates = Setting({}, "Numeric TemplateId per message name.", read=_dict)
    tencent_region = Setting("ap-guangzhou", "Tencent Cloud region.", read=_str)
    tencent_endpoint = Setting("sms.tencentcloudapi.com", "Tencent Cloud SMS API host.", read=_str)
    tencent_protocol = Setting("https", "https (http only for the tests' stand-in).", read=_str)
    tencent_timeout_seconds = Setting(5.0, "Tencent Cloud request timeout.", read=_float)

    # --- App passwords and the mail server (security/app_passwords, docs/mail-server.md) -----------------------
    app_passwords_max_active = Setting(25, "Active app passwords per account.", read=_int)
    app_passwords_keep_on_password_change = Setting(
        False, "True keeps app passwords when the account password changes or is reset (docs/security.md item 25 "
        "says revoke them).", read=_bool,
    )
    mail_main_password_allowed = Setting(
        True, "False: the main password never works for SMTP/IMAP/POP3, only app passwords do. Copied into the "
        "database for the mail_accounts view after every migrate, and by `manage.py app_password site-options`.",
        read=_bool,
    )
    # What users are told to type into their mail client, and where mail_server_config makes Dovecot listen
    # (SSL/TLS or STARTTLS), so the page and the server cannot disagree.
    mail_smtp_host = Setting("smtp.example.com", "SMTP server users are told.", read=_str)
    mail_smtp_port = Setting(465, "SMTP port.", read=_int)
    mail_smtp_security = Setting("SSL/TLS", "SMTP security: SSL/TLS or STARTTLS.", read=_str)
    mail_imap_host = Setting("imap.example.com", "IMAP server users are told.", read=_str)
    mail_imap_port = Setting(993, "IMAP port.", read=_int)
    mail_imap_security = Setting("SSL/TLS", "IMAP security: SSL/TLS or STARTTLS.", read=_str)
    mail_pop3_host = Setting("pop.example.com", "POP3 server users are told.", read=_str)
    mail_pop3_port = Setting(995, "POP3 port.", read=_int)
    mail_pop3_security = Setting("SSL/TLS", "POP3 security: SSL/TLS or STARTTLS.", read=_str)
    dovecot_auth_cache_flush = Setting(
        "", "Dovecot's auth cache: empty keeps it off in the generated config. doveadm (a local Dovecot) or the "
        "doveadm HTTP API's URL (http://HOST:8080/doveadm/v1) turns it on, and the portal then flushes a user's "
        "entries after every change the mail server must see (security/app_passwords/dovecot_cache.py).",
        read=_str,
    )
    dovecot_doveadm = Setting("doveadm", "The doveadm command for the doveadm mode.", read=_str)
    dovecot_doveadm_api_key = Setting("", "The doveadm HTTP API key.", read=_str)
    dovecot_flush_retry_delays = Setting(
        [1.0, 5.0, 30.0], "Seconds before each retry of a failed flush (logged; the change always stands).",
        read=_float_list,
    )

    # --- Two-step verification (security/two_factor) -----------------------------------------------------------
    totp_issuer = Setting(
        "", "Shown in authenticator apps (label and issuer parameter); empty: PORTAL_SITE_NAME.", read=_str
    )
    totp_max_drift_steps = Setting(
        2, "How far (in 30 s steps) a phone's clock may be learned to run slow; learned only from accepted codes.",
        read=_int,
    )
    two_step_throttle_factor = Setting(
        1, "Wrong codes per device wait factor * 2^(n-1) seconds after the n-th failure in a row.", read=_int
    )
    two_step_max_failures = Setting(20, "Wrong codes in a row that lock the device.", read=_int)
    recovery_code_count = Setting(10, "Recovery codes in a set.", read=_fixed)
    two_step_setup_ttl = Setting(
        timedelta(minutes=10), "How long setup keeps its pending secret, and new recovery codes stay on screen.",
        read=_fixed,
    )

    # --- Trusted devices (security/trusted_devices) ------------------------------------------------------------
    trusted_device_days = Setting(30, '"Don\'t ask again on this device" lasts this many days.', read=_int)
    trusted_device_cookie_name = Setting(
        "", 'Empty: "__Host-trusted_device" when SESSION_COOKIE_SECURE (production), else "trusted_device".',
        read=_str,
    )

    # --- Mail-app setup (security/mail_clients; docs/mail-clients.md) ------------------------------------------
    mail_domains = Setting(
        ["example.com"], "The mail domains whose addresses get autoconfig and autodiscover answers (first: main).",
        read=_list,
    )
    mail_profile_signing_cert = Setting(
        "", "PEM file to sign Apple profiles with (certificate, then intermediates). Both empty: unsigned "
        '("Unverified" on iOS); one without the other fails a check.', read=_str,
    )
    mail_profile_signing_key = Setting("", "PEM file of the signing key.", read=_str)
    mail_profile_signing_key_password = Setting("", "The signing key's password, if any.", read=_str)

    # --- Account recovery ("Forgot password?", docs/security.md) -----------------------------------------------
    account_recovery_code_ttl = Setting(
        timedelta(minutes=10), "How long a recovery code works.", read=_seconds,
        variable="PORTAL_ACCOUNT_RECOVERY_CODE_TTL_SECONDS",
    )
    account_recovery_max_failures = Setting(5, "Wrong codes that end a recovery.", read=_int)
    account_recovery_limit_per_account_per_hour = Setting(5, "Starts per typed address and hour.", read=_int)
    account_recovery_limit_per_ip_per_hour = Setting(20, "Starts per IP and hour.", read=_int)
    account_recovery_limit_global_per_hour = Setting(1000, "Starts for the whole site and hour.", read=_int)
    account_recovery_code_tries_per_ip_per_hour = Setting(50, "Code tries per IP and hour.", read=_int)
    account_recovery_response_floor = Setting(
        timedelta(milliseconds=1500),
        'Every "send me a code" answer takes at least this long, so its timing does not tell whether anything was '
        "sent.", read=_milliseconds, variable="PORTAL_ACCOUNT_RECOVERY_RESPONSE_FLOOR_MS",
    )

    # --- Dovecot's auth policy server (security/mail_policy, docs/mail-server.md) -------------------------------
    mail_policy_secret = Setting(
        "", "Empty: the endpoint answers 404 and mail_server_config writes no policy settings.", read=_str
    )
    mail_policy_hash_nonce = Setting(
        "", "Salts the password hash Dovecot sends (auth_policy_hash_nonce), so a repeated wrong password is "
        "recognised.", read=_str,
    )
    mail_policy_url = Setting(
        "", "Where Dovecot reaches the portal, e.g. http://127.0.0.1:8000/mail-policy/ (written into its config).",
        read=_str,
    )
    mail_policy_allowed_ips = Setting(
        ["127.0.0.1/32", "::1/128"], "Networks that may call the endpoint.", read=_list
    )
    mail_policy_window = Setting(
        timedelta(minutes=15), "The sliding window the failure counts cover.", read=_seconds,
        variable="PORTAL_MAIL_POLICY_WINDOW_SECONDS",
    )
    mail_policy_tarpit_after = Setting(5, "Failures per account in the window before answers are slowed.", read=_int)
    mail_policy_max_tarpit_seconds = Setting(15, "The longest slowdown.", read=_int)
    mail_policy_reject_after = Setting(30, "Failures per account in the window before sign-ins are refused.",
                                       read=_int)
    mail_policy_ip_reject_after = Setting(50, "Failures per IP in the window before its sign-ins are refused.",
                                          read=_int)
    mail_policy_lock_failures = Setting(
        100, "Consecutive failures (the same wrong password counted once a day) before the durable lock; at most "
        "100.", read=_int,
    )


portal_settings = PortalSettings()


def declared() -> list[Setting]:
    return [value for value in vars(PortalSettings).values() if isinstance(value, Setting)]


def settings_from_environment(env) -> dict[str, Any]:
    """``{"PORTAL_X": value}`` for every declared setting, read from the environment (or its default)."""
    values = {
        setting.name: setting.read(env, setting.variable, copy.deepcopy(setting.default)) for setting in declared()
    }
    values["PORTAL_TOTP_ISSUER"] = values["PORTAL_TOTP_ISSUER"] or values["PORTAL_SITE_NAME"]
    return values
