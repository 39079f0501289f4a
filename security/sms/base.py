"""The gateway interface. A provider module implements one method and maps its failures onto our errors.

Invariants:
- ``send(message)`` either returns the provider's message id (the message was accepted) or raises an
  ``SmsError``. It never returns on failure, so callers can count a send only after it returned.
- An ``SmsMessage`` carries what every kind of provider needs: the template name and its parameters (for
  providers that only send pre-registered templates, such as Aliyun and Tencent Cloud) and the text rendered in
  the user's language (for providers that send free text, such as Twilio). No gateway parses the text.
- ``SmsRejected`` means "this number will not work": retrying the same thing, or another provider, won't help
  (the router does not fail over). Its ``reason_code`` is one of the ``REASON_*`` constants below, which the
  portal turns into a translated message.
- ``SmsUnavailable`` means "could not send now" (timeout, 5xx, network, a garbled answer, no balance): the user
  may try again, and the router may try the next gateway. ``SmsMisconfigured`` is the operator's fault (bad key,
  unknown template, unapproved signature): logged as an error for the operator; the user reads the same "try
  again later".
- Message bodies, parameters and credentials are never logged by a gateway other than the development console
  gateway.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

# The messages the portal sends. Each provider maps these names onto its own registered template ids.
TEMPLATE_VERIFICATION_CODE = "verification_code"  # params: code, minutes
TEMPLATE_NUMBER_CHANGED = "number_changed"  # params: none
TEMPLATE_RECOVERY = "recovery"  # params: code, minutes (account recovery by SMS)
TEMPLATE_PASSWORD_RESET = "password_reset"  # noqa: S105 - params: none (the password was reset by recovery)

# Provider-neutral reasons a number was refused. Providers map their own codes onto these.
REASON_INVALID_NUMBER = "invalid_number"  # Twilio 21211, Aliyun isv.MOBILE_NUMBER_ILLEGAL, Tencent IncorrectPhoneNumber
REASON_NO_ROUTE = "no_route"  # Twilio 21612: the provider cannot route to this number
REASON_REGION_NOT_ENABLED = "region_not_enabled"  # Twilio 21408: sending to this region is not enabled
REASON_UNSUBSCRIBED = "unsubscribed"  # Twilio 21610: the recipient replied STOP / blocked us
REASON_NOT_SMS_CAPABLE = "not_sms_capable"  # Twilio 21614: not a mobile number
REASON_NUMBER_LIMIT = "number_limit"  # Aliyun isv.BUSINESS_LIMIT_CONTROL, Tencent LimitExceeded.PhoneNumber*
REASON_BLOCKED = "blocked"  # the provider's blocklist holds this number (Aliyun isv.BLACK_KEY_CONTROL_LIMIT, ...)


@dataclass(frozen=True)
class SmsMessage:
    """One SMS to one number. ``params`` are strings, in the template's parameter order."""

    to: str  # E.164: +8613812345678
    template: str  # a TEMPLATE_* name
    params: dict[str, str] = field(default_factory=dict)
    text: str = ""  # the full text in ``language``
    language: str = "zh-hans"

    def __repr__(self):  # never show the parameters (a code) or the text in a traceback or log
        return f"SmsMessage(template={self.template!r}, language={self.language!r})"


class SmsError(Exception):
    """Base class for every gateway failure."""


class SmsRejected(SmsError):
    def __init__(self, reason_code: str, provider_code: str | int | None = None):
        super().__init__(reason_code, provider_code)
        self.reason_code = reason_code
        self.provider_code = provider_code


class SmsUnavailable(SmsError):
    """Timeout, 5xx, network failure, garbled answer, no balance: nothing was sent, try again later."""


class SmsMisconfigured(SmsUnavailable):
    """Our settings are wrong (credentials, signature, template): the operator must fix them."""


class SmsGateway(ABC):
    # False for gateways that do not deliver anything (console, test); a system check refuses them in production.
    delivers = True

    @classmethod
    def settings_errors(cls) -> list[str]:
        """What is wrong with this gateway's settings, as sentences for the operator (a system check shows them)."""
        return []

    @abstractmethod
    def send(self, message: SmsMessage) -> str:
        """Send ``message``. Return the provider's message id, or raise an ``SmsError``."""


def template_id_for(templates: dict, message: SmsMessage, *, gateway: str) -> str:
    """The provider's template id for ``message``: ``<name>.<language>`` first (``verification_code.en``), then
    ``<name>``. A missing mapping is our misconfiguration: raised before any request, so no quota is used."""
    template_id = templates.get(f"{message.template}.{message.language}") or templates.get(message.template)
    if not template_id:
        raise SmsMisconfigured(f"{gateway}: no template id for {message.template!r}")
    return template_id


def template_settings_errors(setting: str, templates) -> list[str]:
    """For gateways that send registered templates: every template the portal sends needs a registered id."""
    from .messages import TEMPLATE_PARAMS

    templates = templates or {}
    if not isinstance(templates, dict):
        return [f"{setting} must map template names to ids (verification_code=...,number_changed=...)."]
    errors = []
    known = set(TEMPLATE_PARAMS)
    for key in templates:
        if key.split(".", 1)[0] not in known:
            errors.append(f"{setting} names an unknown template {key!r}; known: {', '.join(sorted(known))}.")
    for name in sorted(known):
        if not templates.get(name):
            errors.append(f"{setting} has no id for the {name!r} template.")
    return errors
