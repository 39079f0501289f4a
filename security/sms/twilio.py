"""Twilio gateway: the official ``twilio`` SDK, Messages API, with ``From`` or a Messaging Service SID.

Invariants:
- Twilio's error codes for refused numbers become ``SmsRejected`` with a provider-neutral reason; timeouts,
  connection errors, 5xx and our own misconfiguration (bad credentials, bad ``From``) become
  ``SmsUnavailable``.
- The request has a client timeout (``PORTAL_TWILIO_TIMEOUT_SECONDS``), so a hung Twilio never hangs a page.
- ``PORTAL_TWILIO_API_BASE_URL`` (default ``https://api.twilio.com``) only rewrites the scheme and host of the
  URLs the SDK builds; everything else (auth, form encoding, error parsing) is the SDK's own. Tests point it
  at a loopback stand-in (tests/servers/twilio_standin.py).
- Twilio sends free text: the message's rendered ``text`` (in the user's language) is the body.
- Neither the auth token nor the message body is logged.
"""

import logging

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from portal.conf import portal_settings

from . import base
from .base import SmsGateway, SmsMessage, SmsMisconfigured, SmsRejected, SmsUnavailable

log = logging.getLogger("portal.sms.twilio")

TWILIO_API_BASE_URL = "https://api.twilio.com"

# https://www.twilio.com/docs/api/errors
REJECTION_REASONS = {
    21211: base.REASON_INVALID_NUMBER,
    21612: base.REASON_NO_ROUTE,
    21408: base.REASON_REGION_NOT_ENABLED,
    21610: base.REASON_UNSUBSCRIBED,
    21614: base.REASON_NOT_SMS_CAPABLE,
}

# Our own settings are wrong: bad credentials, a From that is not ours, a bad Messaging Service.
MISCONFIGURATION_CODES = {20003, 21212, 21606, 21659, 21701}


class RebasedHttpClient(TwilioHttpClient):
    """The SDK's own HTTP client, sending to another base URL (a regional proxy, or a test stand-in)."""

    def __init__(self, *, base_url: str, **kwargs):
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        if url.startswith(TWILIO_API_BASE_URL):
            url = self.base_url + url[len(TWILIO_API_BASE_URL) :]
        return super().request(method, url, *args, **kwargs)


class TwilioGateway(SmsGateway):
    def __init__(self):
        self.account_sid = portal_settings.twilio_account_sid
        self.from_number = portal_settings.twilio_from
        self.messaging_service_sid = portal_settings.twilio_messaging_service_sid
        timeout = portal_settings.twilio_timeout_seconds
        base_url = portal_settings.twilio_api_base_url.rstrip("/")
        if base_url == TWILIO_API_BASE_URL:
            http_client = TwilioHttpClient(timeout=timeout)
        else:
            http_client = RebasedHttpClient(base_url=base_url, timeout=timeout)
        self.client = Client(self.account_sid, portal_settings.twilio_auth_token, http_client=http_client)

    @classmethod
    def settings_errors(cls) -> list[str]:
        errors = []
        if not (portal_settings.twilio_account_sid and portal_settings.twilio_auth_token):
            errors.append("Set PORTAL_TWILIO_ACCOUNT_SID and PORTAL_TWILIO_AUTH_TOKEN.")
        if not (portal_settings.twilio_from or portal_settings.twilio_messaging_service_sid):
            errors.append("Set PORTAL_TWILIO_FROM or PORTAL_TWILIO_MESSAGING_SERVICE_SID.")
        return errors

    def send(self, message: SmsMessage) -> str:
        sender = (
            {"messaging_service_sid": self.messaging_service_sid}
            if self.messaging_service_sid
            else {"from_": self.from_number}
        )
        try:
            sent = self.client.messages.create(to=message.to, body=message.text, **sender)
        except TwilioRestException as error:
            reason = REJECTION_REASONS.get(error.code)
            if reason is not None:
                log.info("twilio refused a number: code=%s", error.code)
                raise SmsRejected(reason, provider_code=error.code) from None
            log.error("twilio error: status=%s code=%s", error.status, error.code)
            if error.code in MISCONFIGURATION_CODES or error.status in (401, 403):
                raise SmsMisconfigured(f"twilio status={error.status} code={error.code}") from None
            raise SmsUnavailable(f"twilio status={error.status} code={error.code}") from None
        except requests.exceptions.RequestException as error:
            log.warning("twilio unreachable: %s", type(error).__name__)
            raise SmsUnavailable(type(error).__name__) from None
        except TwilioException as error:
            log.error("twilio client error: %s", type(error).__name__)
            raise SmsUnavailable(type(error).__name__) from None
        return sent.sid
