"""System checks for SMS settings, run at start-up (``manage.py check``, ``migrate``, ``runserver``).

Every gateway any number can be routed to (``PORTAL_SMS_GATEWAY`` and each chain in ``PORTAL_SMS_ROUTES``) must
import, be an ``SmsGateway``, deliver when DEBUG is off, and pass its own ``settings_errors()``.
"""

from django.conf import settings
from django.core.checks import Error, Tags, register

from portal.conf import portal_settings
from security.sms import SmsGateway, gateway_chain, gateway_class_get, gateway_names_configured


@register(Tags.security)
def sms_gateway_check(app_configs=None, **kwargs):
    errors = []
    if not gateway_chain(portal_settings.sms_gateway):
        errors.append(Error("PORTAL_SMS_GATEWAY is empty: no SMS could be sent.", id="phone.E002"))
    routes = portal_settings.sms_routes or {}
    if not isinstance(routes, dict):
        errors.append(Error("PORTAL_SMS_ROUTES must map regions to gateway chains.", id="phone.E006"))
        routes = {}
    for region, chain in routes.items():
        if len(str(region)) != 2 or not str(region).isalpha():
            errors.append(Error(f"PORTAL_SMS_ROUTES: {region!r} is not a two-letter region code.", id="phone.E006"))
        if not gateway_chain(chain):
            errors.append(Error(f"PORTAL_SMS_ROUTES: no gateway for {region!r}.", id="phone.E006"))
    for name in gateway_names_configured():
        errors += _gateway_errors(name)
    if not portal_settings.sms_allowed_regions:
        errors.append(Error("PORTAL_SMS_ALLOWED_REGIONS is empty: no number could be bound.", id="phone.E004"))
    ttl = portal_settings.sms_code_ttl.total_seconds()
    if not 60 <= ttl <= 600:
        errors.append(Error("PORTAL_SMS_CODE_TTL must be between 1 and 10 minutes.", id="phone.E005"))
    return errors


def _gateway_errors(name: str) -> list[Error]:
    try:
        gateway_class = gateway_class_get(name)
    except ImportError:
        return [Error(f"SMS gateway {name!r} cannot be imported.", id="phone.E002")]
    if not (isinstance(gateway_class, type) and issubclass(gateway_class, SmsGateway)):
        return [Error(f"SMS gateway {name!r} is not an SmsGateway.", id="phone.E002")]
    errors = []
    if not settings.DEBUG and not gateway_class.delivers:
        errors.append(
            Error(
                f"SMS gateway {name!r} does not deliver SMS and is for development and tests only.",
                hint="Set PORTAL_SMS_GATEWAY to twilio, aliyun or tencent (see docs/sms.md) or your provider's class.",
                id="phone.E001",
            )
        )
    errors += [
        Error(f"SMS gateway {name!r}: {problem}", id="phone.E003") for problem in gateway_class.settings_errors()
    ]
    return errors
