"""The Aliyun gateway with the real ``alibabacloud-dysmsapi20170525`` SDK against a loopback stand-in of
Aliyun's API (tests/servers/aliyun_standin.py), which recomputes the SDK's ACS3 request signature."""

import json
import logging
import time

import pytest
from django.utils import translation

from security.client import Client
from security.phone import services
from security.phone.errors import SmsSendFailed
from security.phone.models import SmsChallenge
from security.sms import SmsMisconfigured, SmsRejected, SmsUnavailable, gateway_get
from security.sms.aliyun import AliyunGateway, aliyun_number
from security.sms.messages import sms_message_build
from tests.phone.conftest import verification_message
from tests.servers.process import free_port

CLIENT = Client(ip="203.0.113.9")


@pytest.fixture
def via_aliyun(aliyun, settings):
    settings.PORTAL_SMS_GATEWAY = "aliyun"
    settings.PORTAL_SMS_ROUTES = {}
    settings.PORTAL_SMS_ALLOWED_REGIONS = ["CN", "HK"]
    return aliyun


def test_gateway_is_chosen_by_settings(via_aliyun):
    assert isinstance(gateway_get(), AliyunGateway)


def test_send_carries_template_code_parameters_signature_and_national_number(via_aliyun):
    message_id = gateway_get().send(verification_message(code="042917"))
    assert "^" in message_id  # Aliyun's BizId
    [request] = via_aliyun.requests
    assert request["signature_ok"] is True
    assert request["headers"]["x-acs-action"] == "SendSms"
    query = request["query"]
    assert query["PhoneNumbers"] == "13812345678"
    assert query["SignName"] == "示例邮箱"
    assert query["TemplateCode"] == "SMS_100001"
    assert json.loads(query["TemplateParam"]) == {"code": "042917", "minutes": "5"}
    assert "验证码" not in request["path"]  # the rendered text is not sent: Aliyun fills its own template


def test_language_specific_template_wins(via_aliyun):
    gateway_get().send(verification_message(language="en"))
    gateway_get().send(verification_message(language="zh-hans"))
    assert [q["TemplateCode"] for q in via_aliyun.sent] == ["SMS_100002", "SMS_100001"]


def test_template_without_parameters_sends_no_template_param(via_aliyun):
    gateway_get().send(sms_message_build(to="+8613812345678", template="number_changed", params={}))
    [query] = via_aliyun.sent
    assert query["TemplateCode"] == "SMS_100003" and "TemplateParam" not in query


@pytest.mark.parametrize(
    ("e164", "aliyun_form"),
    [("+8613812345678", "13812345678"), ("+85261234567", "85261234567"), ("+14155550123", "14155550123")],
)
def test_number_format(e164, aliyun_form):
    assert aliyun_number(e164) == aliyun_form


def test_hong_kong_number_goes_with_its_country_code(via_aliyun):
    gateway_get().send(verification_message("+85261234567"))
    assert via_aliyun.sent[0]["PhoneNumbers"] == "85261234567"


def test_wrong_secret_fails_the_signature_check(via_aliyun, settings):
    settings.PORTAL_ALIYUN_ACCESS_KEY_SECRET = "not-the-secret"
    with pytest.raises(SmsMisconfigured, match="SignatureDoesNotMatch"):
        gateway_get().send(verification_message())
    assert via_aliyun.requests[0]["signature_ok"] is False


@pytest.mark.parametrize(
    ("to", "code", "reason"),
    [
        ("+8613800000000", "isv.MOBILE_NUMBER_ILLEGAL", "invalid_number"),
        ("+8613900000001", "isv.BUSINESS_LIMIT_CONTROL", "number_limit"),
    ],
)
def test_number_refusals_are_typed(via_aliyun, to, code, reason):
    with pytest.raises(SmsRejected) as rejected:
        gateway_get().send(verification_message(to))
    assert (rejected.value.reason_code, rejected.value.provider_code) == (reason, code)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"PORTAL_ALIYUN_SIGN_NAME": "没注册的签名"}, "isv.SMS_SIGNATURE_ILLEGAL"),
        ({"PORTAL_ALIYUN_TEMPLATES": {"verification_code": "SMS_999999"}}, "isv.SMS_TEMPLATE_ILLEGAL"),
        ({"PORTAL_ALIYUN_ACCESS_KEY_ID": "LTAIunknown"}, "InvalidAccessKeyId.NotFound"),
    ],
)
def test_our_misconfiguration_is_misconfigured(via_aliyun, settings, change, code):
    for name, value in change.items():
        setattr(settings, name, value)
    with pytest.raises(SmsMisconfigured, match=code.replace(".", r"\.")):
        gateway_get().send(verification_message())


def test_empty_balance_is_for_the_operator(via_aliyun):
    via_aliyun.balance_ok = False
    with pytest.raises(SmsMisconfigured, match=r"isv\.AMOUNT_NOT_ENOUGH"):
        gateway_get().send(verification_message())


def test_unmapped_template_fails_before_any_request(via_aliyun, settings):
    settings.PORTAL_ALIYUN_TEMPLATES = {"number_changed": "SMS_100003"}
    with pytest.raises(SmsMisconfigured):
        gateway_get().send(verification_message())
    assert via_aliyun.requests == []


@pytest.mark.parametrize("status", [500, 503])
def test_5xx_is_unavailable(via_aliyun, status):
    via_aliyun.force_status = status
    with pytest.raises(SmsUnavailable) as failed:
        gateway_get().send(verification_message())
    assert not isinstance(failed.value, SmsMisconfigured)


def test_garbage_body_is_unavailable(via_aliyun):
    via_aliyun.garbage = True
    with pytest.raises(SmsUnavailable):
        gateway_get().send(verification_message())


def test_timeout_is_unavailable_and_bounded(via_aliyun, settings):
    via_aliyun.delay = 3.0
    settings.PORTAL_ALIYUN_TIMEOUT_SECONDS = 0.5
    started = time.monotonic()
    with pytest.raises(SmsUnavailable):
        gateway_get().send(verification_message())
    assert time.monotonic() - started < 2.5
    assert len(via_aliyun.requests) == 1  # the SDK did not retry behind our back


def test_nothing_listening_is_unavailable(via_aliyun, settings):
    settings.PORTAL_ALIYUN_ENDPOINT = f"127.0.0.1:{free_port()}"
    with pytest.raises(SmsUnavailable):
        gateway_get().send(verification_message())


# --- Through the service: translated messages, nothing half-written, no quota used ---------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "reason", "english", "chinese"),
    [
        ("13800000000", "invalid_number", "not a valid phone number", "号码无效"),
        ("13900000001", "number_limit", "as many text messages to this number", "已达到服务商允许的上限"),
    ],
)
def test_refusals_reach_the_user_translated(via_aliyun, user, typed, reason, english, chinese):
    with pytest.raises(SmsSendFailed) as failed:
        services.phone_bind_start(user=user, raw_number=typed, session_key="s", client=CLIENT)
    assert failed.value.code == reason
    with translation.override("en"):
        assert english in failed.value.message
    with translation.override("zh-hans"):
        assert chinese in failed.value.message
    assert not SmsChallenge.objects.filter(user=user).exclude(code_digest="").exists()


@pytest.mark.django_db
def test_misconfiguration_logs_for_the_operator_says_try_later_and_uses_no_quota(via_aliyun, settings, user, caplog):
    settings.PORTAL_SMS_LIMIT_PER_NUMBER_PER_HOUR = 1
    settings.PORTAL_ALIYUN_SIGN_NAME = "没注册的签名"
    with caplog.at_level(logging.ERROR, logger="portal.sms"), pytest.raises(SmsSendFailed) as failed:
        services.phone_bind_start(user=user, raw_number="13812345678", session_key="s", client=CLIENT)
    assert failed.value.code == "unavailable"
    with translation.override("en"):
        assert "try again" in failed.value.message
    assert any("misconfigured" in r.getMessage() and "SMS_SIGNATURE_ILLEGAL" in r.getMessage() for r in caplog.records)
    challenge = SmsChallenge.objects.get(user=user)
    assert (challenge.code_digest, challenge.sent_at) == ("", None)
    settings.PORTAL_ALIYUN_SIGN_NAME = "示例邮箱"  # the operator fixes it: the one unit of quota is still there
    services.phone_bind_start(user=user, raw_number="13812345678", session_key="s", client=CLIENT)
    assert len(via_aliyun.sent) == 1


@pytest.mark.django_db
def test_code_reaches_aliyun_as_parameter_and_works(via_aliyun, user, caplog):
    caplog.set_level(logging.DEBUG)
    services.phone_bind_start(user=user, raw_number="138 1234 5678", session_key="s", client=CLIENT)
    code = json.loads(via_aliyun.sent[-1]["TemplateParam"])["code"]
    binding = services.phone_bind_confirm(user=user, code=code, session_key="s", client=CLIENT)
    assert str(binding.number) == "+8613812345678"
    assert code not in caplog.text
    assert via_aliyun.access_key_secret not in caplog.text
