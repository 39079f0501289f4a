"""SMS gateways: one module per provider, chosen by ``PORTAL_SMS_GATEWAY``.

``PORTAL_SMS_GATEWAY`` is a short name (``console``, ``test``, ``twilio``) or the dotted path of a class that
implements :class:`security.sms.base.SmsGateway`, so a deployer adds a provider (Aliyun, Tencent Cloud, ...)
as a single module without touching this package. See docs/sms.md.
"""

from django.conf import settings
from django.utils.module_loading import import_string

from .base import SmsError, SmsGateway, SmsRejected, SmsUnavailable

BUILTIN_GATEWAYS = {
    "console": "security.sms.console.ConsoleGateway",
    "test": "security.sms.test.TestGateway",
    "twilio": "security.sms.twilio.TwilioGateway",
}
# Gateways that never deliver a message: refused by a system check when DEBUG is off
# (security/phone/checks.py).
FAKE_GATEWAYS = {"console", "test"}

__all__ = [
    "BUILTIN_GATEWAYS",
    "FAKE_GATEWAYS",
    "SmsError",
    "SmsGateway",
    "SmsRejected",
    "SmsUnavailable",
    "gateway_get",
]


def gateway_get(name: str | None = None) -> SmsGateway:
    """A gateway instance, read from settings at call time (so tests can override them)."""
    name = name or settings.PORTAL_SMS_GATEWAY
    path = BUILTIN_GATEWAYS.get(name, name)
    gateway_class = import_string(path)
    return gateway_class()
