"""The Tencent Cloud gateway with the real ``tencentcloud-sdk-python-sms`` SDK against a loopback stand-in of
Tencent Cloud's API (tests/servers/tencent_standin.py), which recomputes the SDK's TC3 request signature."""

import logging
import time

import pytest
from django.utils import translation

from security.client import Client
from security.phone import services
from security.phone.errors import SmsSendFailed
from security.phone.models import SmsChallenge
from security.sms import SmsMisconfigured, SmsRejected, SmsUnavailable, gateway_get
from security.sms.messages import sms_message_build
from security.sms.tencent import TencentGateway
from tests.phone.conftest import verification_message
from tests.servers.process import free_port

CLIENT = Client(ip="203.0.113.9")


@pytest.fixture
def via_tencent(tencent, settings):
    settings.PORTAL_SMS_GATEWAY = "tencent"
    settings.PORTAL_SMS_ROUTES = {}
    settings.PORTAL_SMS_ALLOWED_REGIONS = ["CN", "HK"]
    return tencent


def test_gateway_is_chosen_by_settings(via_tencent):
    assert isinstance(gateway_get(), TencentGateway)


def test_send_carries_app_id_template_ordered_parameters_signature_and_e164(via_tencent):
    message_id = gateway_get().send(verification_message(code="042917"))
    [request] = via_tencent.requests
    assert request["signature_ok"] is True
    assert request["headers"]["x-tc-action"] == "SendSms"
    assert request["headers"]["x-tc-region"] == "ap-guangzhou"
    assert request["json"] == {
        "PhoneNumberSet": ["+8613812345678"],
        "SmsSdkAppId": "1400000001",
        "SignName": "示例邮箱",
        "TemplateId": "2000001",
        "TemplateParamSet": ["042917", "5"],  # the template's order: code, then minutes
    }
    assert message_id.count(":") == 1  # Tencent's SerialNo


def test_language_specific_template_and_parameterless_template(via_tencent):
    gateway_get().send(verification_message(language="en"))
    gateway_get().send(sms_message_build(to="+8613812345678", template="number_changed", params={}))
    assert [(b["TemplateId"], b["TemplateParamSet"]) for b in via_tencent.sent] == [
        ("2000002", ["123456", "5"]),
        ("2000003", []),
    ]


def test_wrong_secret_key_fails_the_signature_check(via_tencent, settings):
    settings.PORTAL_TENCENT_SECRET_KEY = "not-the-key"
    with pytest.raises(SmsMisconfigured, match=r"AuthFailure\.SignatureFailure"):
        gateway_get().send(verification_message())
    assert via_tencent.requests[0]["signature_ok"] is False


@pytest.mark.parametrize("as_request_error", [False, True])
@pytest.mark.parametrize(
    ("to", "code", "reason"),
    [
        ("+8613800000000", "InvalidParameterValue.IncorrectPhoneNumber", "invalid_number"),
        ("+8613900000001", "LimitExceeded.PhoneNumberDailyLimit", "number_limit"),
    ],
)
def test_number_refusals_are_typed_wherever_tencent_reports_them(via_tencent, to, code, reason, as_request_error):
    via_tencent.number_errors_as_request_errors = as_request_error
    with pytest.raises(SmsRejected) as rejected:
        gateway_get().send(verification_message(to))
    assert (rejected.value.reason_code, rejected.value.provider_code) == (reason, code)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"PORTAL_TENCENT_SIGN_NAME": "没注册的签名"}, "FailedOperation.SignatureIncorrectOrUnapproved"),
        (
            {"PORTAL_TENCENT_TEMPLATES": {"verification_code": "2999999"}},
            "FailedOperation.TemplateIncorrectOrUnapproved",
        ),
        ({"PORTAL_TENCENT_SMS_SDK_APP_ID": "1400999999"}, "InvalidParameterValue.SdkAppIdNotExist"),
        ({"PORTAL_TENCENT_SECRET_ID": "AKIDunknown"}, "AuthFailure.SecretIdNotFound"),
        # a template registered with other variables
        ({"PORTAL_TENCENT_TEMPLATES": {"verification_code": "2000003"}}, "TemplateParamSetNotMatchApprovedTemplate"),
    ],
)
def test_our_misconfiguration_is_misconfigured(via_tencent, settings, change, code):
    for name, value in change.items():
        setattr(settings, name, value)
    with pytest.raises(SmsMisconfigured, match=code.replace(".", r"\.")):
        gateway_get().send(verification_message())


@pytest.mark.parametrize("as_request_error", [False, True])
def test_empty_sms_package_is_for_the_operator(via_tencent, as_request_error):
    via_tencent.balance_ok = False
    via_tencent.number_errors_as_request_errors = as_request_error
    with pytest.raises(SmsMisconfigured, match="InsufficientBalanceInSmsPackage"):
        gateway_get().send(verification_message())


def test_unmapped_template_fails_before_any_request(via_tencent, settings):
    settings.PORTAL_TENCENT_TEMPLATES = {"number_changed": "2000003"}
    with pytest.raises(SmsMisconfigured):
        gateway_get().send(verification_message())
    assert via_tencent.requests == []


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_is_unavailable(via_tencent, status):
    via_tencent.force_status = status
    with pytest.raises(SmsUnavailable) as failed:
        gateway_get().send(verification_message())
    assert not isinstance(failed.value, SmsMisconfigured)


def test_garbage_body_is_unavailable(via_tencent):
    via_tencent.garbage = True
    with pytest.raises(SmsUnavailable):
        gateway_get().send(verification_message())


def test_timeout_is_unavailable_and_bounded(via_tencent, settings):
    via_tencent.delay = 3.0
    settings.PORTAL_TENCENT_TIMEOUT_SECONDS = 0.5
    started = time.monotonic()
    with pytest.raises(SmsUnavailable):
        gateway_get().send(verification_message())
    assert time.monotonic() - started < 2.5
    assert len(via_tencent.requests) == 1


def test_nothing_listening_is_unavailable(via_tencent, settings):
    settings.PORTAL_TENCENT_ENDPOINT = f"127.0.0.1:{free_port()}"
    with pytest.raises(SmsUnavailable):
        gateway_get().send(verification_message())


# --- Through the service -------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "reason", "english", "chinese"),
    [
        ("13800000000", "invalid_number", "not a valid phone number", "号码无效"),
        ("13900000001", "number_limit", "as many text messages to this number", "已达到服务商允许的上限"),
    ],
)
def test_refusals_reach_the_user_translated(via_tencent, user, typed, reason, english, chinese):
    with pytest.raises(SmsSendFailed) as failed:
        services.phone_bind_start(user=user, raw_number=typed, session_key="s", client=CLIENT)
    assert failed.value.code == reason
    with translation.override("en"):
        assert english in failed.value.message
    with translation.override("zh-hans"):
        assert chinese in failed.value.message
    assert not SmsChallenge.objects.filter(user=user).exclude(code_digest="").exists()


@pytest.mark.django_db
def test_misconfiguration_logs_for_the_operator_and_uses_no_quota(via_tencent, settings, user, caplog):
    settings.PORTAL_SMS_LIMIT_PER_NUMBER_PER_HOUR = 1
    settings.PORTAL_TENCENT_TEMPLATES = {"verification_code": "2999999"}
    with caplog.at_level(logging.ERROR, logger="portal.sms"), pytest.raises(SmsSendFailed) as failed:
        services.phone_bind_start(user=user, raw_number="13812345678", session_key="s", client=CLIENT)
    assert failed.value.code == "unavailable"
    assert any("TemplateIncorrectOrUnapproved" in r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR)
    settings.PORTAL_TENCENT_TEMPLATES = {"verification_code": "2000001"}
    services.phone_bind_start(user=user, raw_number="13812345678", session_key="s", client=CLIENT)
    assert len(via_tencent.sent) == 1


@pytest.mark.django_db
def test_code_reaches_tencent_as_parameter_and_works(via_tencent, user, caplog):
    caplog.set_level(logging.DEBUG)
    services.phone_bind_start(user=user, raw_number="+86 138-1234-5678", session_key="s", client=CLIENT)
    code = via_tencent.sent[-1]["TemplateParamSet"][0]
    binding = services.phone_bind_confirm(user=user, code=code, session_key="s", client=CLIENT)
    assert str(binding.number) == "+8613812345678"
    assert code not in caplog.text
    assert via_tencent.secret_key not in caplog.text
