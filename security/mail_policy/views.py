"""The endpoint Dovecot's ``auth_policy_server_url`` names. Thin: check the caller and the shape, call a service.

Invariants:
- Only a REMOTE_ADDR inside ``PORTAL_MAIL_POLICY_ALLOWED_IPS`` (403) with the shared secret in the
  ``X-Portal-Policy-Key`` header (401, compared in constant time) gets further; neither changes anything.
- A body over 64 KiB is refused unread (413); anything not a JSON object with the fields Dovecot sends is 400.
  Every answer is JSON; none is a 500 and none allows what a well-formed request would reject.
"""

import hmac
import ipaddress
import json
import logging

from django.http import JsonResponse

from portal.conf import portal_settings

from . import services

logger = logging.getLogger(__name__)

PATH = "/mail-policy/"
HEADER = "X-Portal-Policy-Key"
MAX_BODY = 64 * 1024


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"status": -1, "msg": message}, status=status)


def _caller_allowed(remote_addr: str) -> bool:
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in portal_settings.mail_policy_allowed_ips)


def _secret_ok(request) -> bool:
    expected = portal_settings.mail_policy_secret.encode()
    given = request.META.get("HTTP_X_PORTAL_POLICY_KEY", "").encode("latin-1", "replace")
    return bool(expected) and hmac.compare_digest(given, expected)


def _text(body: dict, key: str, limit: int) -> str:
    value = body.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit:
        raise ValueError(key)
    # JSON can carry lone surrogates ("\udcff") and NULs, which the database and the hash refuse.
    value.encode("utf-8")
    if any(ord(ch) < 32 for ch in value):
        raise ValueError(key)
    return value


def mail_policy(request):
    if not portal_settings.mail_policy_secret:
        return _error(404, "not enabled")
    if not _caller_allowed(request.META.get("REMOTE_ADDR", "")):
        return _error(403, "forbidden")
    if not _secret_ok(request):
        return _error(401, "unauthorized")
    if request.method != "POST":
        return _error(405, "POST only")
    command = request.GET.get("command", "")
    if command not in ("allow", "report"):
        return _error(400, "unknown command")
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _error(400, "bad length")
    if length > MAX_BODY:
        return _error(413, "too large")
    try:
        raw = request.read(MAX_BODY + 1)
        if len(raw) > MAX_BODY:  # no or a false Content-Length
            return _error(413, "too large")
        body = json.loads(raw.decode("utf-8"))
        if not isinstance(body, dict):
            raise ValueError("not an object")
        login = _text(body, "login", 512)
        remote = _text(body, "remote", 64)
        protocol = _text(body, "protocol", 32).lower()
        credential_id = _text(body, "credential_id", 20)
        pwhash = _text(body, "pwhash", 128)
        if not login:
            raise ValueError("login")
        if remote and (("%" in remote) or not ipaddress.ip_address(remote)):  # no IPv6 zone ids
            raise ValueError("remote")
        if credential_id and not (credential_id.isascii() and credential_id.isdigit() and len(credential_id) <= 18):
            raise ValueError("credential_id")
    except (ValueError, UnicodeError):
        return _error(400, "bad request")
    if command == "allow":
        reply = services.policy_allow(login=login, ip=remote or "-")
    else:
        services.policy_report(
            login=login,
            ip=remote or "-",
            protocol=protocol,
            success=body.get("success") is True,
            policy_reject=body.get("policy_reject") is True,
            credential_id=credential_id,
            pwhash=pwhash,
        )
        reply = services.Reply(0)
    return JsonResponse({"status": reply.status, "msg": reply.msg})
