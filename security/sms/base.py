"""The gateway interface. A provider module implements one method and maps its failures onto two errors.

Invariants:
- ``send`` either returns the provider's message id (the message was accepted) or raises an ``SmsError``. It
  never returns on failure, so callers can count a send only after it returned.
- ``SmsRejected`` means "this number/message will not work": retrying the same thing won't help. Its
  ``reason_code`` is one of the ``REASON_*`` constants below, which the portal turns into a translated
  message.
- ``SmsUnavailable`` means "could not send now" (timeout, 5xx, network, bad credentials): the user may try
  again.
- Message bodies and codes are never logged by a gateway other than the development console gateway.
"""

from abc import ABC, abstractmethod

# Provider-neutral reasons a number was refused. Providers map their own codes onto these.
REASON_INVALID_NUMBER = "invalid_number"  # Twilio 21211
REASON_NO_ROUTE = "no_route"  # Twilio 21612: the provider cannot route to this number
REASON_REGION_NOT_ENABLED = "region_not_enabled"  # Twilio 21408: sending to this region is not enabled
REASON_UNSUBSCRIBED = "unsubscribed"  # Twilio 21610: the recipient replied STOP / blocked us
REASON_NOT_SMS_CAPABLE = "not_sms_capable"  # Twilio 21614: not a mobile number
REASON_OTHER = "other"


class SmsError(Exception):
    """Base class for every gateway failure."""


class SmsRejected(SmsError):
    def __init__(self, reason_code: str, provider_code: str | int | None = None):
        super().__init__(reason_code, provider_code)
        self.reason_code = reason_code
        self.provider_code = provider_code


class SmsUnavailable(SmsError):
    """Timeout, 5xx, network failure or misconfiguration: nothing was sent, try again later."""


class SmsGateway(ABC):
    # : False for gateways that do not deliver anything (console, test); a system check refuses them in
    # production.
    delivers = True

    @abstractmethod
    def send(self, to_e164: str, body: str) -> str:
        """Send ``body`` to ``to_e164`` (``+8613812345678``). Return the provider's message id."""
