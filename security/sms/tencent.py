"""Tencent Cloud SMS (腾讯云短信) gateway: the official ``tencentcloud-sdk-python-sms`` SDK, ``SendSms``
(API version 2021-01-11).

Invariants:
- Tencent sends only pre-approved templates under a registered signature (签名) of an SMS application
  (``SmsSdkAppId``): the message's template name is mapped to a ``TemplateId`` by ``PORTAL_TENCENT_TEMPLATES``
  (``verification_code.en`` before ``verification_code``), its parameters go as ``TemplateParamSet`` in the
  template's order (security/sms/messages.py), and its rendered text is not sent. A template with no mapping
  fails before any request (``SmsMisconfigured``), so no quota is used.
- Numbers go in E.164 (``+8613812345678``), as Tencent documents.
- Tencent reports a refused number either as the request's error or in the number's ``SendStatusSet`` entry:
  both are read. Number refusals become ``SmsRejected``; our own mistakes (signature, template, keys, app id,
  balance) become ``SmsMisconfigured``, which is logged for the operator; non-200 answers, timeouts, garbled
  answers and anything unknown become ``SmsUnavailable``.
- The SDK signs each request (TC3-HMAC-SHA256) itself; ``PORTAL_TENCENT_ENDPOINT`` and
  ``PORTAL_TENCENT_PROTOCOL`` only say where it connects (tests: a loopback stand-in over http). No SDK retries:
  failover is the router's job.
- Neither the secret key nor the template parameters are logged.
"""

import logging

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

log = logging.getLogger("portal.sms.tencent")

TENCENT_ENDPOINT = "sms.tencentcloudapi.com"

# https://cloud.tencent.com/document/product/382/55981 (SendSms error codes)
REJECTION_REASONS = {
    "InvalidParameterValue.IncorrectPhoneNumber": base.REASON_INVALID_NUMBER,
    "FailedOperation.PhoneNumberParseFail": base.REASON_INVALID_NUMBER,
    "LimitExceeded.PhoneNumberDailyLimit": base.REASON_NUMBER_LIMIT,
    "LimitExceeded.PhoneNumberOneHourLimit": base.REASON_NUMBER_LIMIT,
    "LimitExceeded.PhoneNumberThirtySecondLimit": base.REASON_NUMBER_LIMIT,
    "LimitExceeded.PhoneNumberSameContentDailyLimit": base.REASON_NUMBER_LIMIT,
    "LimitExceeded.DeliveryFrequencyLimit": base.REASON_NUMBER_LIMIT,
    "FailedOperation.PhoneNumberInBlacklist": base.REASON_BLOCKED,
    "UnsupportedOperation.UnsupportedRegion": base.REASON_REGION_NOT_ENABLED,
}
# Ours to fix: keys, app id, signature, templates, the account. Logged as errors for the operator.
OPERATOR_CODES = {
    "FailedOperation.TemplateIncorrectOrUnapproved",
    "FailedOperation.SignatureIncorrectOrUnapproved",
    "FailedOperation.InsufficientBalanceInSmsPackage",
    "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
    "FailedOperation.TemplateUnapprovedOrNotExist",
    "InvalidParameterValue.TemplateParameterFormatError",
    "InvalidParameterValue.TemplateParameterLengthLimit",
    "InvalidParameterValue.SdkAppIdNotExist",
    "UnauthorizedOperation.SmsSdkAppIdVerifyFail",
    "UnauthorizedOperation.SerivceSuspendDueToArrears",  # sic: Tencent's spelling
    "UnauthorizedOperation.IndividualUserMarketingSmsPermissionDeny",
    "AuthFailure.SignatureFailure",
    "AuthFailure.SecretIdNotFound",
    "AuthFailure.InvalidSecretId",
    "AuthFailure.SignatureExpire",
    "AuthFailure.UnauthorizedOperation",
}


def tencent_number(to_e164: str) -> str:
    return to_e164  # Tencent takes E.164 as it is


class TencentGateway(SmsGateway):
    def __init__(self):
        # Imported here so a deployment that does not use Tencent Cloud needs no Tencent SDK (the `tencent` extra).
        from tencentcloud.common.credential import Credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111.sms_client import SmsClient

        self.app_id = portal_settings.tencent_sms_sdk_app_id
        self.sign_name = portal_settings.tencent_sign_name
        self.templates = dict(portal_settings.tencent_templates or {})
        self.client = None
        secret_id, secret_key = portal_settings.tencent_secret_id, portal_settings.tencent_secret_key
        if secret_id and secret_key:
            http_profile = HttpProfile(
                protocol=portal_settings.tencent_protocol,
                endpoint=portal_settings.tencent_endpoint,
                reqMethod="POST",
                reqTimeout=portal_settings.tencent_timeout_seconds,
            )
            self.client = SmsClient(
                Credential(secret_id, secret_key),
                portal_settings.tencent_region,
                ClientProfile(httpProfile=http_profile),
            )

    @classmethod
    def settings_errors(cls) -> list[str]:
        errors = []
        try:
            import tencentcloud.sms.v20210111  # noqa: F401
        except ImportError:
            errors.append("The Tencent Cloud SDK is not installed: pip install 'mail-security-portal[tencent]'.")
        if not (portal_settings.tencent_secret_id and portal_settings.tencent_secret_key):
            errors.append("Set PORTAL_TENCENT_SECRET_ID and PORTAL_TENCENT_SECRET_KEY.")
        if not str(portal_settings.tencent_sms_sdk_app_id).isdigit():
            errors.append("Set PORTAL_TENCENT_SMS_SDK_APP_ID to your SMS application's SdkAppId (digits, 1400...).")
        if not portal_settings.tencent_sign_name:
            errors.append("Set PORTAL_TENCENT_SIGN_NAME to your approved signature (签名).")
        if not portal_settings.tencent_region:
            errors.append("Set PORTAL_TENCENT_REGION (ap-guangzhou, ap-beijing or ap-nanjing).")
        errors += template_settings_errors("PORTAL_TENCENT_TEMPLATES", portal_settings.tencent_templates)
        for key, template_id in (portal_settings.tencent_templates or {}).items():
            if template_id and not str(template_id).isdigit():
                errors.append(f"PORTAL_TENCENT_TEMPLATES[{key!r}] must be a numeric TemplateId.")
        if str(portal_settings.tencent_protocol).lower() not in ("https", "http"):
            errors.append("PORTAL_TENCENT_PROTOCOL must be https (or http for a local test stand-in).")
        if not portal_settings.tencent_timeout_seconds > 0:
            errors.append("PORTAL_TENCENT_TIMEOUT_SECONDS must be above 0.")
        return errors

    def send(self, message: SmsMessage) -> str:
        template_id = template_id_for(self.templates, message, gateway="tencent")
        if self.client is None or not self.sign_name or not self.app_id:
            raise SmsMisconfigured("tencent: keys, SmsSdkAppId or signature not set")
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.sms.v20210111.models import SendSmsRequest

        request = SendSmsRequest()
        request.SmsSdkAppId = str(self.app_id)
        request.SignName = self.sign_name
        request.TemplateId = str(template_id)
        request.TemplateParamSet = list(message.params.values())
        request.PhoneNumberSet = [tencent_number(message.to)]
        try:
            response = self.client.SendSms(request)
        except TencentCloudSDKException as error:
            self._raise_for(error.get_code(), where="request")
        except Exception as error:  # the SDK wraps most things, but never trust a parser with a garbled body
            raise SmsUnavailable(f"tencent: {type(error).__name__}") from None
        statuses = getattr(response, "SendStatusSet", None) or []
        if len(statuses) != 1:
            raise SmsUnavailable(f"tencent: {len(statuses)} send statuses for one number")
        status = statuses[0]
        if status.Code == "Ok" and status.SerialNo:
            return str(status.SerialNo)
        self._raise_for(status.Code, where="status")

    @staticmethod
    def _raise_for(code, *, where: str):
        code = str(code)
        reason = REJECTION_REASONS.get(code)
        if reason is not None:
            log.info("tencent refused a number: code=%s", code)
            raise SmsRejected(reason, provider_code=code) from None
        if code in OPERATOR_CODES:
            raise SmsMisconfigured(f"tencent {where} code={code}") from None
        raise SmsUnavailable(f"tencent {where} code={code}") from None
