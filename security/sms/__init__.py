"""SMS gateways: one module per provider, and the router that picks one for each number.

``PORTAL_SMS_GATEWAY`` names the gateway for every number, or a chain of them (``aliyun,tencent``: the second
is tried when the first fails on its side). ``PORTAL_SMS_ROUTES`` gives some regions their own chain
(``{"CN": ["aliyun", "tencent"]}``: mainland numbers through Aliyun, then Tencent Cloud; the rest through
``PORTAL_SMS_GATEWAY``). A name is a built-in short name (``console``, ``test``, ``twilio``, ``aliyun``,
``tencent``) or the dotted path of a class implementing :class:`security.sms.base.SmsGateway`. See docs/sms.md.

Invariants:
- ``sms_send`` returns only when a gateway accepted the message, and says which one; otherwise it raises
  ``SmsRejected`` (the number is refused: no other gateway is tried, since a provider-side limit or a bad number
  must not be worked around by asking another provider) or ``SmsUnavailable`` (every gateway in the chain
  failed on its side).
- An exception a gateway did not map is logged with its traceback and treated as ``SmsUnavailable``, so a
  provider's surprise never becomes a 500.
- Settings are read at call time, so tests can override them.
"""

import logging
from dataclasses import dataclass

import phonenumbers
from django.utils.module_loading import import_string

from portal.conf import portal_settings

from .base import (
    TEMPLATE_NUMBER_CHANGED,
    TEMPLATE_PASSWORD_RESET,
    TEMPLATE_RECOVERY,
    TEMPLATE_VERIFICATION_CODE,
    SmsError,
    SmsGateway,
    SmsMessage,
    SmsMisconfigured,
    SmsRejected,
    SmsUnavailable,
)

log = logging.getLogger("portal.sms")

BUILTIN_GATEWAYS = {
    "console": "security.sms.console.ConsoleGateway",
    "test": "security.sms.test.TestGateway",
    "twilio": "security.sms.twilio.TwilioGateway",
    "aliyun": "security.sms.aliyun.AliyunGateway",
    "tencent": "security.sms.tencent.TencentGateway",
}

__all__ = [
    "BUILTIN_GATEWAYS",
    "TEMPLATE_NUMBER_CHANGED",
    "TEMPLATE_PASSWORD_RESET",
    "TEMPLATE_RECOVERY",
    "TEMPLATE_VERIFICATION_CODE",
    "SmsError",
    "SmsGateway",
    "SmsMessage",
    "SmsMisconfigured",
    "SmsRejected",
    "SmsSent",
    "SmsUnavailable",
    "gateway_chain_for",
    "gateway_class_get",
    "gateway_get",
    "gateway_names_configured",
    "sms_send",
]


@dataclass(frozen=True)
class SmsSent:
    gateway: str  # the name from the settings that accepted the message
    message_id: str
    failed: tuple[str, ...] = ()  # gateways tried first that failed on their side


def gateway_chain(value) -> list[str]:
    """``"aliyun, tencent"`` or ``["aliyun", "tencent"]`` -> ``["aliyun", "tencent"]``."""
    items = value.split(",") if isinstance(value, str) else list(value or [])
    return [item.strip() for item in items if item and item.strip()]


def gateway_class_get(name: str) -> type:
    """The gateway class for a short name or dotted path. Raises ``ImportError`` if there is none."""
    return import_string(BUILTIN_GATEWAYS.get(name, name))


def gateway_get(name: str | None = None) -> SmsGateway:
    """A gateway instance, read from settings at call time (so tests can override them). Without a name, the
    first gateway of ``PORTAL_SMS_GATEWAY``."""
    name = name or gateway_chain(portal_settings.sms_gateway)[0]
    return gateway_class_get(name)()


def _region_of(to_e164: str) -> str | None:
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(to_e164, None))
    except phonenumbers.NumberParseException:
        return None


def gateway_chain_for(to_e164: str) -> list[str]:
    """The gateways to try, in order, for this number: its region's route, else ``PORTAL_SMS_GATEWAY``."""
    routes = {region.upper(): chain for region, chain in (portal_settings.sms_routes or {}).items()}
    chain = gateway_chain(routes.get(_region_of(to_e164) or "", []))
    return chain or gateway_chain(portal_settings.sms_gateway)


def gateway_names_configured() -> list[str]:
    """Every gateway any number could be sent through (for the system check)."""
    names = gateway_chain(portal_settings.sms_gateway)
    routes = portal_settings.sms_routes if isinstance(portal_settings.sms_routes, dict) else {}
    for chain in routes.values():
        names += gateway_chain(chain)
    return list(dict.fromkeys(names))


def sms_send(message: SmsMessage) -> SmsSent:
    """Send ``message`` through its number's chain of gateways, failing over on provider-side errors."""
    failed: list[str] = []
    last_error: SmsUnavailable = SmsUnavailable("no gateway configured")
    for name in gateway_chain_for(message.to):
        try:
            message_id = gateway_get(name).send(message)
        except SmsRejected:
            raise
        except SmsMisconfigured as error:
            log.error("sms gateway %s is misconfigured: %s", name, error)
            last_error = error
        except SmsUnavailable as error:
            log.warning("sms gateway %s could not send: %s", name, error)
            last_error = error
        except Exception:  # a provider's surprise must not become a 500; the traceback is for the operator
            log.exception("sms gateway %s failed unexpectedly", name)
            last_error = SmsUnavailable(f"{name}: unexpected error")
        else:
            if failed:
                log.warning("sms sent via %s after %s failed", name, ",".join(failed))
            return SmsSent(gateway=name, message_id=message_id, failed=tuple(failed))
        failed.append(name)
    raise last_error
