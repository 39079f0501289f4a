"""The auth policy lines ``mail_server_config`` adds for Dovecot 2.3 and 2.4 (``conf.d/98-portal-policy.conf``,
mode 0600: it holds the shared secret and the hash nonce). Written only when ``PORTAL_MAIL_POLICY_URL`` and
``PORTAL_MAIL_POLICY_SECRET`` are set.

Fail-open (``auth_policy_reject_on_fail = no``): when the portal is down or slow, Dovecot checks passwords as
usual with its own per-IP penalty; mail keeps working and only the per-account throttling pauses
(docs/mail-server.md explains the choice).
"""

from portal.conf import portal_settings

FILE = "conf.d/98-portal-policy.conf"

# What Dovecot sends with each request: the defaults plus the app password the passdb matched.
ATTRIBUTES_23 = (
    "login=%{requested_username} pwhash=%{hashed_password} remote=%{rip} protocol=%s session_id=%{session} "
    "credential_id=%{passdb:x_app_password_id}"
)
ATTRIBUTES_24 = {
    "login": "%{requested_username}",
    "pwhash": "%{hashed_password}",
    "remote": "%{remote_ip}",
    "protocol": "%{protocol}",
    "session_id": "%{session}",
    "credential_id": "%{passdb:x_app_password_id}",
}


def enabled() -> bool:
    return bool(portal_settings.mail_policy_url and portal_settings.mail_policy_secret)


def _check(name: str, value: str) -> str:
    if not value or any(ch.isspace() or ord(ch) < 32 for ch in value) or '"' in value or "\\" in value:
        from django.core.management.base import CommandError

        raise CommandError(f"{name}: set it, without spaces, quotes or backslashes")
    return value


def policy_conf(version: str, header: str) -> str:
    from .views import HEADER

    url = _check("PORTAL_MAIL_POLICY_URL", portal_settings.mail_policy_url)
    secret = _check("PORTAL_MAIL_POLICY_SECRET", portal_settings.mail_policy_secret)
    nonce = _check("PORTAL_MAIL_POLICY_HASH_NONCE", portal_settings.mail_policy_hash_nonce)
    text = header + (
        '# The security portal is Dovecot\'s auth policy server: per-account throttling and "last used".\n'
        f"auth_policy_server_url = {url}\n"
        f'auth_policy_server_api_header = "{HEADER}: {secret}"\n'
        f"auth_policy_hash_nonce = {nonce}\n"
        "auth_policy_hash_mech = sha256\n"
        "# 16 bits: enough to recognise a repeated wrong password, too few to help guess it.\n"
        "auth_policy_hash_truncate = 16\n"
        "auth_policy_check_before_auth = yes\n"
        "auth_policy_check_after_auth = yes\n"
        "auth_policy_report_after_auth = yes\n"
        "# Fail-open: if the portal does not answer, logins are checked as without it (docs/mail-server.md).\n"
        "auth_policy_reject_on_fail = no\n"
    )
    if version == "2.3":
        text += "auth_policy_server_timeout_msecs = 2000\n"
        text += f"auth_policy_request_attributes = {ATTRIBUTES_23}\n"
    else:
        text += "auth_policy {\n  http_client_request_absolute_timeout = 2s\n}\n"
        text += "auth_policy_request_attributes {\n"
        text += "".join(f"  {key} = {value}\n" for key, value in ATTRIBUTES_24.items())
        text += "}\n"
    return text


def policy_files(options) -> dict[str, tuple[str, int]]:
    if not enabled():
        return {}
    from security.app_passwords.mail_server_config import header

    what = "Dovecot's auth policy server is the security portal (keep this file mode 0600: it holds the secret)."
    return {FILE: (policy_conf(options.version, header(options, what)), 0o600)}
