"""A stand-in for Tencent Cloud SMS's API (``sms``, version 2021-01-11, ``SendSms``) on loopback, for testing
the real ``tencentcloud-sdk-python-sms`` SDK.

It checks what Tencent Cloud checks, and answers in its JSON (``{"Response": {..., "RequestId"}}``):
- the TC3-HMAC-SHA256 signature, recomputed here from the request as received (canonical request of method,
  path, the signed ``content-type`` and ``host`` headers and the body's SHA-256; key derived from the
  SecretKey, the date and the service): an unknown SecretId gets ``AuthFailure.SecretIdNotFound``, a wrong
  key ``AuthFailure.SignatureFailure``;
- ``X-TC-Action: SendSms``, ``X-TC-Version: 2021-01-11`` and a region;
- request-level errors in ``Response.Error``: an unknown ``SmsSdkAppId``
  (``InvalidParameterValue.SdkAppIdNotExist``), ``SignName`` (``FailedOperation.SignatureIncorrectOrUnapproved``)
  or ``TemplateId`` (``FailedOperation.TemplateIncorrectOrUnapproved``), a ``TemplateParamSet`` of the wrong
  length (``FailedOperation.TemplateParamSetNotMatchApprovedTemplate``);
- number-level results in ``SendStatusSet``: ``Ok`` with a ``SerialNo``, or
  ``InvalidParameterValue.IncorrectPhoneNumber`` (not E.164, or in ``ILLEGAL_NUMBERS``),
  ``LimitExceeded.PhoneNumberDailyLimit`` (``LIMITED_NUMBERS``), ``FailedOperation.InsufficientBalanceInSmsPackage``
  (``balance_ok = False``). With ``number_errors_as_request_errors`` they come in ``Response.Error`` instead.
Every request is kept in ``requests`` (with the decoded ``json`` and ``signature_ok``) for assertions.
"""

import hashlib
import hmac
import json
import re
import secrets
from datetime import UTC, datetime

from tests.servers.http_standin import HttpStandin

SECRET_ID = "AKIDstandinSecretId"
SECRET_KEY = "standin-secret-key"
SDK_APP_ID = "1400000001"
SIGN_NAME = "示例邮箱"
TEMPLATES = {"2000001": 2, "2000002": 2, "2000003": 0, "2000004": 2}  # TemplateId -> number of parameters
ILLEGAL_NUMBERS = {"+8613800000000"}
LIMITED_NUMBERS = {"+8613900000001"}
_AUTHORIZATION = re.compile(
    r"^TC3-HMAC-SHA256 Credential=([^/]*)/(\d{4}-\d{2}-\d{2})/([a-z]+)/tc3_request, "
    r"SignedHeaders=content-type;host, Signature=([0-9a-f]{64})$"
)


def tc3_signature(
    *,
    secret_key: str,
    date: str,
    service: str,
    timestamp: str,
    method: str,
    path: str,
    content_type: str,
    host: str,
    body: bytes,
) -> str:
    """Tencent Cloud's V3 request signature, from its public description (not from the SDK)."""
    canonical_request = "\n".join(
        [
            method,
            path,
            "",
            f"content-type:{content_type}\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{date}/{service}/tc3_request"
    string_to_sign = "\n".join(
        ["TC3-HMAC-SHA256", timestamp, scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )

    def sign(key: bytes, text: str) -> bytes:
        return hmac.new(key, text.encode(), hashlib.sha256).digest()

    key = sign(sign(sign(("TC3" + secret_key).encode(), date), service), "tc3_request")
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


class TencentStandin(HttpStandin):
    def __init__(self):
        super().__init__()
        self.secret_id = SECRET_ID
        self.secret_key = SECRET_KEY
        self.app_ids = {SDK_APP_ID}
        self.sign_names = {SIGN_NAME}
        self.templates = dict(TEMPLATES)
        self.balance_ok = True
        self.number_errors_as_request_errors = False

    @property
    def sent(self) -> list[dict]:
        """The JSON body of each request that was accepted (status Ok)."""
        return [request["json"] for request in self.requests if request.get("code") == "Ok"]

    def _reply(self, request: dict, response: dict) -> tuple[int, str, bytes]:
        response["RequestId"] = secrets.token_hex(16)
        return 200, "application/json", json.dumps({"Response": response}, ensure_ascii=False).encode()

    def _error(self, request: dict, code: str, message: str):
        request["code"] = code
        return self._reply(request, {"Error": {"Code": code, "Message": message}})

    def _status(self, request: dict, number: str, code: str, message: str, serial: str = ""):
        if code != "Ok" and self.number_errors_as_request_errors:
            return self._error(request, code, message)
        request["code"] = code
        status = {
            "SerialNo": serial,
            "PhoneNumber": number,
            "Fee": 1 if serial else 0,
            "SessionContext": "",
            "Code": code,
            "Message": message,
            "IsoCode": "CN" if number.startswith("+86") else "",
        }
        return self._reply(request, {"SendStatusSet": [status]})

    def answer(self, request):
        headers = request["headers"]
        match = _AUTHORIZATION.match(headers.get("authorization", ""))
        if not match:
            return self._error(
                request, "AuthFailure.SignatureFailure", "The provided credentials could not be validated."
            )
        secret_id, date, service, signature = match.groups()
        if secret_id != self.secret_id:
            return self._error(request, "AuthFailure.SecretIdNotFound", "The SecretId is not found.")
        timestamp = headers.get("x-tc-timestamp", "0")
        expected = tc3_signature(
            secret_key=self.secret_key,
            date=date,
            service=service,
            timestamp=timestamp,
            method=request["method"],
            path=request["path"],
            content_type=headers.get("content-type", ""),
            host=headers.get("host", ""),
            body=request["body"],
        )
        stamp_date = datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d") if timestamp.isdigit() else ""
        request["signature_ok"] = service == "sms" and date == stamp_date and hmac.compare_digest(expected, signature)
        if not request["signature_ok"]:
            return self._error(
                request, "AuthFailure.SignatureFailure", "The provided credentials could not be validated."
            )
        if headers.get("x-tc-action") != "SendSms" or headers.get("x-tc-version") != "2021-01-11":
            return self._error(request, "InvalidAction", "The action does not exist.")
        if not headers.get("x-tc-region"):
            return self._error(request, "MissingParameter", "The request is missing a required parameter `Region`.")
        try:
            body = request["json"] = json.loads(request["body"])
        except ValueError:
            return self._error(request, "InvalidParameter", "The request body is not JSON.")
        if body.get("SmsSdkAppId") not in self.app_ids:
            return self._error(request, "InvalidParameterValue.SdkAppIdNotExist", "SdkAppId不存在。")
        if body.get("SignName") not in self.sign_names:
            return self._error(request, "FailedOperation.SignatureIncorrectOrUnapproved", "签名未审批或格式错误。")
        template = body.get("TemplateId")
        if template not in self.templates:
            return self._error(request, "FailedOperation.TemplateIncorrectOrUnapproved", "模板未审批或内容不匹配。")
        params = body.get("TemplateParamSet") or []
        if len(params) != self.templates[template] or not all(isinstance(p, str) for p in params):
            return self._error(
                request, "FailedOperation.TemplateParamSetNotMatchApprovedTemplate", "参数与模板变量个数不一致。"
            )
        numbers = body.get("PhoneNumberSet") or []
        if len(numbers) != 1:
            return self._error(request, "InvalidParameterValue", "The stand-in takes one number per request.")
        number = numbers[0]
        if not re.fullmatch(r"\+[1-9]\d{6,14}", number) or number in ILLEGAL_NUMBERS:
            return self._status(request, number, "InvalidParameterValue.IncorrectPhoneNumber", "手机号格式错误。")
        if number in LIMITED_NUMBERS:
            return self._status(
                request, number, "LimitExceeded.PhoneNumberDailyLimit", "单个手机号日下发短信条数超过设定的上限。"
            )
        if not self.balance_ok:
            return self._status(request, number, "FailedOperation.InsufficientBalanceInSmsPackage", "套餐包余量不足。")
        serial = f"{secrets.randbelow(10**4)}:{secrets.randbelow(10**28):028d}"
        return self._status(request, number, "Ok", "send success", serial)
