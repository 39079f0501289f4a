"""Aliyun SMS (阿里云短信服务) gateway: the official ``alibabacloud-dysmsapi20170525`` SDK, ``SendSms``.

Invariants:
- Aliyun sends only pre-approved templates under a registered signature (签名): the message's template name
  is mapped to a ``TemplateCode`` by ``PORTAL_ALIYUN_TEMPLATES`` (``verification_code.en`` before
  ``verification_code``), its parameters go as ``TemplateParam`` JSON, and its rendered text is not sent.
  A template with no mapping fails before any request (``SmsMisconfigured``), so no quota is used.
- Numbers go the way Aliyun documents them: mainland numbers as the 11 national digits (``13812345678``),
  other regions as country code and number without ``+`` (``85261234567``).
- Aliyun answers business errors with HTTP 200 and a ``Code``. Number refusals (``isv.MOBILE_NUMBER_ILLEGAL``,
  the per-number flow limits) become ``SmsRejected``; our own mistakes (signature, template, key, balance)
  become ``SmsMisconfigured``, which is logged for the operator; 5xx, timeouts, garbled answers and anything
  unknown become ``SmsUnavailable``.
- The SDK computes the request signature (ACS3-HMAC-SHA256) itself; ``PORTAL_ALIYUN_ENDPOINT`` and
  ``PORTAL_ALIYUN_PROTOCOL`` only say where it connects (tests: a loopback stand-in over http). The SDK's own
  retries are off (its default): failover is the router's job, with a bounded time per gateway.
- Neither the access key secret nor the template parameters are logged.
"""

import json
import logging

import phonenumbers

from portal.conf import portal_settings

from . import base
from .base import (
    SmsGateway,
    SmsMessage,
    SmsMisconfigured,
    SmsRejected,
    SmsUnavailable,
    template_id_for,
    template_settings_errors,
)

log = logging.getLogger("portal.sms.aliyun")

ALIYUN_ENDPOINT = "dysmsapi.aliyuncs.com"

# https://help.aliyun.com/zh/sms/developer-reference/api-error-codes
REJECTION_REASONS = {
    "isv.MOBILE_NUMBER_ILLEGAL": base.REASON_INVALID_NUMBER,
    "isv.BUSINESS_LIMIT_CONTROL": base.REASON_NUMBER_LIMIT,  # per-number minute/hour/day flow control
    "isv.DAY_LIMIT_CONTROL": base.REASON_NUMBER_LIMIT,
    "isv.BLACK_KEY_CONTROL_LIMIT": base.REASON_BLOCKED,
    "isv.DENY_IP_RANGE": base.REASON_REGION_NOT_ENABLED,
}
# Ours to fix: settings, templates, the account. Logged as errors for the operator.
OPERATOR_CODES = {
    "isv.AMOUNT_NOT_ENOUGH",
    "isv.OUT_OF_SERVICE",
    "isv.SMS_TEMPLATE_ILLEGAL",
    "isv.SMS_SIGNATURE_ILLEGAL",
    "isv.SMS_SIGNATURE_SCENE_ILLEGAL",
    "isv.TEMPLATE_MISSING_PARAMETERS",
    "isv.TEMPLATE_PARAMS_ILLEGAL",
    "isv.INVALID_PARAMETERS",
    "isv.INVALID_JSON_PARAM",
    "isv.PRODUCT_UN_SUBSCRIPT",
    "isv.PRODUCT_UNSUBSCRIBE",
    "isv.ACCOUNT_NOT_EXISTS",
    "isv.ACCOUNT_ABNORMAL",
    "isp.RAM_PERMISSION_DENY",
    "SignatureDoesNotMatch",
    "InvalidAccessKeyId.NotFound",
    "InvalidAccessKeyId.Inactive",
    "IncompleteSignature",
    "Forbidden.RAM",
}


def aliyun_number(to_e164: str) -> str:
    """``+8613812345678`` -> ``13812345678``; ``+85261234567`` -> ``85261234567``."""
    number = phonenumbers.parse(to_e164, None)
    national = phonenumbers.national_significant_number(number)
    if number.country_code == 86:
        return national
    return f"{number.country_code}{national}"


class AliyunGateway(SmsGateway):
    def __init__(self):
        # Imported here so a deployment that does not use Aliyun needs no Aliyun SDK (the `aliyun` extra).
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi.utils_models import Config

        self.sign_name = portal_settings.aliyun_sign_name
        self.templates = dict(portal_settings.aliyun_templates or {})
        self.client = None
        key_id, secret = portal_settings.aliyun_access_key_id, portal_settings.aliyun_access_key_secret
        if key_id and secret:  # without both the SDK would look for credentials elsewhere (env, instance metadata)
            timeout_ms = int(portal_settings.aliyun_timeout_seconds * 1000)
            self.client = Client(
                Config(
                    access_key_id=key_id,
                    access_key_secret=secret,
                    endpoint=portal_settings.aliyun_endpoint,
                    protocol=portal_settings.aliyun_protocol,
                    connect_timeout=timeout_ms,
                    read_timeout=timeout_ms,
                )
            )

    @classmethod
    def settings_errors(cls) -> list[str]:
        errors = []
        try:
            import alibabacloud_dysmsapi20170525  # noqa: F401
        except ImportError:
            errors.append("The Aliyun SDK is not installed: pip install 'mail-security-portal[aliyun]'.")
        if not (portal_settings.aliyun_access_key_id and portal_settings.aliyun_access_key_secret):
            errors.append("Set PORTAL_ALIYUN_ACCESS_KEY_ID and PORTAL_ALIYUN_ACCESS_KEY_SECRET.")
        if not portal_settings.aliyun_sign_name:
            errors.append("Set PORTAL_ALIYUN_SIGN_NAME to your approved signature (签名).")
        errors += template_settings_errors("PORTAL_ALIYUN_TEMPLATES", portal_settings.aliyun_templates)
        if str(portal_settings.aliyun_protocol).lower() not in ("https", "http"):
            errors.append("PORTAL_ALIYUN_PROTOCOL must be https (or http for a local test stand-in).")
        if not portal_settings.aliyun_timeout_seconds > 0:
            errors.append("PORTAL_ALIYUN_TIMEOUT_SECONDS must be above 0.")
        return errors

    def send(self, message: SmsMessage) -> str:
        template_code = template_id_for(self.templates, message, gateway="aliyun")
        if self.client is None or not self.sign_name:
            raise SmsMisconfigured("aliyun: access key or signature not set")
        from alibabacloud_dysmsapi20170525.models import SendSmsRequest
        from alibabacloud_tea_openapi.exceptions import AlibabaCloudException

        request = SendSmsRequest(
            phone_numbers=aliyun_number(message.to),
            sign_name=self.sign_name,
            template_code=template_code,
            template_param=json.dumps(message.params, ensure_ascii=False) if message.params else None,
        )
        try:
            response = self.client.send_sms(request)
        except AlibabaCloudException as error:  # an HTTP 4xx/5xx answer with an error code
            code, status = str(error.code), getattr(error, "status_code", None)
            if code in OPERATOR_CODES or status in (401, 403):
                raise SmsMisconfigured(f"aliyun status={status} code={code}") from None
            raise SmsUnavailable(f"aliyun status={status} code={code}") from None
        except Exception as error:  # timeouts, refused connections, garbled bodies: the SDK wraps them all
            raise SmsUnavailable(f"aliyun: {type(error).__name__}") from None
        body = getattr(response, "body", None)
        code = getattr(body, "code", None)
        if code == "OK" and getattr(body, "biz_id", None):
            return str(body.biz_id)
        reason = REJECTION_REASONS.get(code)
        if reason is not None:
            log.info("aliyun refused a number: code=%s", code)
            raise SmsRejected(reason, provider_code=code)
        if code in OPERATOR_CODES:
            raise SmsMisconfigured(f"aliyun code={code}")
        raise SmsUnavailable(f"aliyun code={code}")

