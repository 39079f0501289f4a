"""A stand-in for Aliyun SMS's API (dysmsapi 2017-05-25, ``SendSms``) on loopback, for testing the real
``alibabacloud-dysmsapi20170525`` SDK.

It checks what Aliyun checks, and answers in Aliyun's JSON (``Code``, ``Message``, ``RequestId``, ``BizId``):
- the ACS3-HMAC-SHA256 signature, recomputed here from the request as received (canonical request of method,
  path, sorted query, the signed headers and the payload hash) with the AccessKey secret: a wrong secret gets
  HTTP 400 ``SignatureDoesNotMatch``, an unknown AccessKey id HTTP 404 ``InvalidAccessKeyId.NotFound``;
- ``x-acs-action: SendSms`` and ``x-acs-version: 2017-05-25``;
- then, like Aliyun, business errors come with HTTP 200 and a ``Code``: an unregistered ``SignName``
  (``isv.SMS_SIGNATURE_ILLEGAL``) or ``TemplateCode`` (``isv.SMS_TEMPLATE_ILLEGAL``), ``TemplateParam`` that is
  not JSON or lacks the template's variables (``isv.TEMPLATE_MISSING_PARAMETERS``), a number that is not 11
  mainland digits nor country code and digits without ``+`` (``isv.MOBILE_NUMBER_ILLEGAL``), an empty balance
  (``balance_ok = False``: ``isv.AMOUNT_NOT_ENOUGH``), and numbers in ``LIMITED_NUMBERS``
  (``isv.BUSINESS_LIMIT_CONTROL``) or ``ILLEGAL_NUMBERS`` (``isv.MOBILE_NUMBER_ILLEGAL``).
Every request is kept in ``requests`` (with the decoded ``query`` and ``signature_ok``) for assertions.
"""

import hashlib
import hmac
import json
import re
import secrets
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote, urlsplit

from tests.servers.http_standin import HttpStandin

ACCESS_KEY_ID = "LTAI5tStandinKeyId"
ACCESS_KEY_SECRET = "standin-access-key-secret"
SIGN_NAME = "示例邮箱"
# registered templates: code -> variables
TEMPLATES = {
    "SMS_100001": ("code", "minutes"),  # verification code, Chinese
    "SMS_100002": ("code", "minutes"),  # verification code, English
    "SMS_100003": (),  # number changed
    "SMS_100004": ("code", "minutes"),  # recovery
}
ILLEGAL_NUMBERS = {"13800000000"}
LIMITED_NUMBERS = {"13900000001"}
_AUTHORIZATION = re.compile(r"^ACS3-HMAC-SHA256 Credential=([^,]*),SignedHeaders=([^,]*),Signature=([0-9a-f]+)$")


def acs3_signature(*, method: str, path: str, query: dict, headers: dict, signed: list[str], secret: str) -> str:
    """Aliyun's V3 request signature, from its public description (not from the SDK)."""
    canonical_query = "&".join(f"{quote(key, safe='~')}={quote(query[key], safe='~')}" for key in sorted(query))
    canonical_headers = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in signed)
    canonical_request = "\n".join(
        [method, path or "/", canonical_query, canonical_headers, ";".join(signed), headers["x-acs-content-sha256"]]
    )
    string_to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical_request.encode()).hexdigest()
    return hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()


class AliyunStandin(HttpStandin):
    def __init__(self):
        super().__init__()
        self.access_key_id = ACCESS_KEY_ID
        self.access_key_secret = ACCESS_KEY_SECRET
        self.sign_names = {SIGN_NAME}
        self.templates = dict(TEMPLATES)
        self.balance_ok = True

    @property
    def sent(self) -> list[dict]:
        """The query of each request that was accepted (Code OK)."""
        return [request["query"] for request in self.requests if request.get("code") == "OK"]

    def _reply(self, request: dict, status: int, code: str, message: str, **extra) -> tuple[int, str, bytes]:
        request["code"] = code
        body = {"Code": code, "Message": message, "RequestId": secrets.token_hex(8).upper(), **extra}
        return status, "application/json;charset=utf-8", json.dumps(body, ensure_ascii=False).encode()

    def answer(self, request):
        parts = urlsplit(request["path"])
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        request["query"] = query
        headers = request["headers"]
        match = _AUTHORIZATION.match(headers.get("authorization", ""))
        if not match:
            return self._reply(request, 400, "IncompleteSignature", "The request signature does not conform.")
        key_id, signed, signature = match.group(1), match.group(2).split(";"), match.group(3)
        if key_id != self.access_key_id:
            return self._reply(request, 404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        payload_ok = headers.get("x-acs-content-sha256") == hashlib.sha256(request["body"]).hexdigest()
        expected = acs3_signature(
            method=request["method"],
            path=parts.path,
            query=query,
            headers=headers,
            signed=signed,
            secret=self.access_key_secret,
        )
        request["signature_ok"] = payload_ok and "host" in signed and hmac.compare_digest(expected, signature)
        if not request["signature_ok"]:
            return self._reply(request, 400, "SignatureDoesNotMatch", "Specified signature is not matched.")
        if headers.get("x-acs-action") != "SendSms" or headers.get("x-acs-version") != "2017-05-25":
            return self._reply(request, 400, "InvalidAction.NotFound", "Specified api is not found.")
        number = query.get("PhoneNumbers", "")
        if query.get("SignName") not in self.sign_names:
            return self._reply(request, 200, "isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
        template = query.get("TemplateCode")
        if template not in self.templates:
            return self._reply(request, 200, "isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        try:
            params = json.loads(query["TemplateParam"]) if "TemplateParam" in query else {}
        except ValueError:
            return self._reply(request, 200, "isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
        if not isinstance(params, dict) or set(params) != set(self.templates[template]):
            return self._reply(request, 200, "isv.TEMPLATE_MISSING_PARAMETERS", "模板变量缺少对应参数值")
        mainland = re.fullmatch(r"1\d{10}", number)
        international = re.fullmatch(r"[2-9]\d{7,14}", number) and not number.startswith("86")
        if not (mainland or international) or number in ILLEGAL_NUMBERS:
            return self._reply(request, 200, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        if number in LIMITED_NUMBERS:
            return self._reply(request, 200, "isv.BUSINESS_LIMIT_CONTROL", "触发号码天级流控Permits:10")
        if not self.balance_ok:
            return self._reply(request, 200, "isv.AMOUNT_NOT_ENOUGH", "账户余额不足")
        stamp = datetime.now(UTC).strftime("%H%M%S")
        return self._reply(request, 200, "OK", "OK", BizId=f"{secrets.randbelow(10**15):015d}^{stamp}")
