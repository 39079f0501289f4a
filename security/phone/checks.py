"""System checks for SMS settings. Production (DEBUG off) refuses a gateway that delivers nothing."""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.utils.module_loading import import_string

from security.sms import BUILTIN_GATEWAYS, SmsGateway


@register(Tags.security)
def sms_gateway_check(app_configs=None, **kwargs):
    name = settings.PORTAL_SMS_GATEWAY
    try:
        gateway_class = import_string(BUILTIN_GATEWAYS.get(name, name))
    except ImportError:
        return [Error(f"PORTAL_SMS_GATEWAY={name!r} cannot be imported.", id="phone.E002")]
    if not (isinstance(gateway_class, type) and issubclass(gateway_class, SmsGateway)):
        return [Error(f"PORTAL_SMS_GATEWAY={name!r} is not an SmsGateway.", id="phone.E002")]
    errors = []
    if not settings.DEBUG and not gateway_class.delivers:
        errors.append(
            Error(
                f"PORTAL_SMS_GATEWAY={name!r} does not deliver SMS and is for development and tests only.",
                hint="Set PORTAL_SMS_GATEWAY=twilio (and PORTAL_TWILIO_*) or your provider's gateway class.",
                id="phone.E001",
            )
        )
    if name == "twilio":
        if not (settings.PORTAL_TWILIO_ACCOUNT_SID and settings.PORTAL_TWILIO_AUTH_TOKEN):
            errors.append(Error("Set PORTAL_TWILIO_ACCOUNT_SID and PORTAL_TWILIO_AUTH_TOKEN.", id="phone.E003"))
        if not (settings.PORTAL_TWILIO_FROM or settings.PORTAL_TWILIO_MESSAGING_SERVICE_SID):
            errors.append(Error("Set PORTAL_TWILIO_FROM or PORTAL_TWILIO_MESSAGING_SERVICE_SID.", id="phone.E003"))
    if not settings.PORTAL_SMS_ALLOWED_REGIONS:
        errors.append(Error("PORTAL_SMS_ALLOWED_REGIONS is empty: no number could be bound.", id="phone.E004"))
    ttl = settings.PORTAL_SMS_CODE_TTL.total_seconds()
    if not 60 <= ttl <= 600:
        errors.append(Error("PORTAL_SMS_CODE_TTL must be between 1 and 10 minutes (SECURITY.md 14).", id="phone.E005"))
    return errors
