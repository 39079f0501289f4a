"""Routing by country and failover between gateways, with the real SDKs against loopback stand-ins of Aliyun,
Tencent Cloud and Twilio; the event log names the gateway that sent each message."""

import json
from datetime import timedelta

import pytest
from django.test import Client as BrowserTab
from django.utils import translation

from security.client import Client
from security.models import SecurityEvent
from security.phone import events, services
from security.phone.errors import SmsSendFailed
from security.sms import SmsGateway, SmsRejected, SmsUnavailable, gateway_chain_for, sms_send
from security.sms.messages import sms_message_build
from tests.factories import PASSWORD
from tests.phone.conftest import verification_message
from tests.servers.twilio_standin import TEST_FROM, TwilioStandin

CLIENT = Client(ip="203.0.113.9")
MAINLAND = "+8613812345678"
HONG_KONG = "+85261234567"


class ExplodingGateway(SmsGateway):
    """A provider module with a bug: raises something that is not an SmsError."""

    def send(self, message):
        raise RuntimeError("provider SDK surprise")


@pytest.fixture
def twilio(settings):
    with TwilioStandin() as standin:
        settings.PORTAL_TWILIO_ACCOUNT_SID = standin.account_sid
        settings.PORTAL_TWILIO_AUTH_TOKEN = standin.auth_token
        settings.PORTAL_TWILIO_FROM = TEST_FROM
        settings.PORTAL_TWILIO_MESSAGING_SERVICE_SID = ""
        settings.PORTAL_TWILIO_API_BASE_URL = standin.base_url
        settings.PORTAL_TWILIO_TIMEOUT_SECONDS = 1.0
        yield standin


@pytest.fixture
def routed(settings, aliyun, tencent, twilio):
    """Mainland numbers through Aliyun, then Tencent Cloud; everything else through Twilio."""
    settings.PORTAL_SMS_GATEWAY = "twilio"
    settings.PORTAL_SMS_ROUTES = {"CN": ["aliyun", "tencent"]}
    settings.PORTAL_SMS_ALLOWED_REGIONS = ["CN", "HK"]
    return aliyun, tencent, twilio


def test_chain_for_each_region(settings):
    settings.PORTAL_SMS_GATEWAY = "twilio"
    settings.PORTAL_SMS_ROUTES = {"cn": "aliyun, tencent"}
    assert gateway_chain_for(MAINLAND) == ["aliyun", "tencent"]
    assert gateway_chain_for(HONG_KONG) == ["twilio"]  # +852 is not mainland
    assert gateway_chain_for("+14155550123") == ["twilio"]


def test_mainland_goes_to_aliyun_the_rest_to_twilio(routed):
    aliyun, tencent, twilio = routed
    assert sms_send(verification_message(MAINLAND)).gateway == "aliyun"
    assert sms_send(verification_message(HONG_KONG, language="en")).gateway == "twilio"
    assert [q["PhoneNumbers"] for q in aliyun.sent] == ["13812345678"]
    assert [r["form"]["To"] for r in twilio.requests] == [HONG_KONG]
    assert "123456" in twilio.requests[0]["form"]["Body"]  # Twilio gets the rendered text
    assert tencent.requests == []


@pytest.mark.parametrize(
    "break_aliyun",
    [
        lambda standin, settings: setattr(standin, "force_status", 503),
        lambda standin, settings: setattr(standin, "garbage", True),
        lambda standin, settings: setattr(standin, "balance_ok", False),
        lambda standin, settings: setattr(settings, "PORTAL_ALIYUN_SIGN_NAME", "没注册的签名"),
        lambda standin, settings: setattr(settings, "PORTAL_ALIYUN_TEMPLATES", {}),
    ],
    ids=["5xx", "garbage", "no-balance", "bad-signature", "no-template"],
)
def test_provider_side_failure_fails_over_to_the_second_gateway(routed, settings, break_aliyun):
    aliyun, tencent, _twilio = routed
    break_aliyun(aliyun, settings)
    sent = sms_send(verification_message(MAINLAND, code="654321"))
    assert (sent.gateway, sent.failed) == ("tencent", ("aliyun",))
    assert [b["TemplateParamSet"] for b in tencent.sent] == [["654321", "5"]]


def test_timeout_fails_over_within_the_first_gateways_timeout(routed, settings):
    aliyun, tencent, _twilio = routed
    aliyun.delay = 3.0
    settings.PORTAL_ALIYUN_TIMEOUT_SECONDS = 0.5
    assert sms_send(verification_message(MAINLAND)).gateway == "tencent"
    assert len(tencent.sent) == 1


@pytest.mark.parametrize("number", ["+8613800000000", "+8613900000001"])  # illegal number, per-number limit
def test_refused_number_does_not_fail_over(routed, number):
    _aliyun, tencent, _twilio = routed
    with pytest.raises(SmsRejected):
        sms_send(verification_message(number))
    assert tencent.requests == []


def test_every_gateway_failing_is_unavailable(routed):
    aliyun, tencent, _twilio = routed
    aliyun.force_status = 500
    tencent.force_status = 502
    with pytest.raises(SmsUnavailable):
        sms_send(verification_message(MAINLAND))
    assert len(aliyun.requests) == len(tencent.requests) == 1


def test_a_gateway_bug_is_not_a_500_and_fails_over(routed, settings, caplog):
    settings.PORTAL_SMS_ROUTES = {"CN": ["tests.phone.test_phone_sms_routing.ExplodingGateway", "tencent"]}
    assert sms_send(verification_message(MAINLAND)).gateway == "tencent"
    assert "failed unexpectedly" in caplog.text


@pytest.mark.django_db
def test_event_log_names_the_gateway_and_the_failover(routed, user):
    aliyun, tencent, _twilio = routed
    aliyun.force_status = 503
    services.phone_bind_start(user=user, raw_number="13812345678", session_key="s", client=CLIENT)
    event = SecurityEvent.objects.get(user=user, kind=events.SMS_SENT)
    assert event.details == {
        "number": "+86 138****5678",
        "template": "verification_code",
        "gateway": "tencent",
        "failed": ["aliyun"],
    }
    code = tencent.sent[0]["TemplateParamSet"][0]
    assert code not in str(event.details)
    services.phone_bind_confirm(user=user, code=code, session_key="s", client=CLIENT)


@pytest.mark.django_db
def test_number_changed_notice_goes_as_its_template_and_is_logged(
    routed, settings, user, django_capture_on_commit_callbacks
):
    aliyun, _tencent, _twilio = routed
    settings.PORTAL_SMS_RESEND_COOLDOWN = timedelta(0)
    for number in ("13812345678", "13912345678"):
        services.phone_bind_start(user=user, raw_number=number, session_key="s", client=CLIENT)
        code = json.loads(aliyun.sent[-1]["TemplateParam"])["code"]
        with django_capture_on_commit_callbacks(execute=True):
            services.phone_bind_confirm(user=user, code=code, session_key="s", client=CLIENT)
    assert [(q["TemplateCode"], q["PhoneNumbers"]) for q in aliyun.sent] == [
        ("SMS_100002", "13812345678"),  # the user reads English: the English template
        ("SMS_100002", "13912345678"),
        ("SMS_100003", "13812345678"),  # the old number hears it is no longer bound
    ]
    sent = SecurityEvent.objects.filter(user=user, kind=events.SMS_SENT).order_by("pk")
    assert [(e.details["template"], e.details["gateway"], e.details["number"]) for e in sent] == [
        ("verification_code", "aliyun", "+86 138****5678"),
        ("verification_code", "aliyun", "+86 139****5678"),
        ("number_changed", "aliyun", "+86 138****5678"),
    ]


@pytest.mark.django_db
def test_misconfigured_only_gateway_is_a_translated_message_on_the_page_not_a_500(routed, settings, user):
    settings.PORTAL_SMS_ROUTES = {"CN": ["aliyun"]}
    settings.PORTAL_ALIYUN_ACCESS_KEY_SECRET = "wrong"
    tab = BrowserTab(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert tab.post("/account/sign-in/", {"username": user.email, "password": PASSWORD}).status_code == 302
    response = tab.post("/phone/", {"number": "13812345678"})
    assert response.status_code == 400
    with translation.override("zh-hans"):
        assert str(SmsSendFailed("unavailable").message) in response.content.decode()
    assert not SecurityEvent.objects.filter(user=user, kind=events.SMS_SENT).exists()


def test_message_text_is_in_the_users_language_and_params_are_strings():
    english = sms_message_build(
        to=MAINLAND, template="verification_code", params={"code": "000042", "minutes": 5}, language="en"
    )
    chinese = sms_message_build(
        to=MAINLAND, template="verification_code", params={"code": "000042", "minutes": 5}, language="zh-hans"
    )
    assert english.params == chinese.params == {"code": "000042", "minutes": "5"}
    assert "verification code is 000042" in english.text
    assert "验证码 000042" in chinese.text
    assert "000042" not in repr(english)


def test_unknown_template_or_wrong_parameters_are_a_bug_caught_early():
    with pytest.raises(ValueError):
        sms_message_build(to=MAINLAND, template="marketing", params={})
    with pytest.raises(ValueError):
        sms_message_build(to=MAINLAND, template="verification_code", params={"code": "1"})


@pytest.mark.django_db
def test_recovery_code_goes_as_the_recovery_template(routed, user):
    from security.sms import TEMPLATE_RECOVERY

    aliyun, _tencent, _twilio = routed
    services.sms_code_send(
        user=user, number=MAINLAND, purpose="recovery", session_key="s", client=CLIENT, template=TEMPLATE_RECOVERY
    )
    [query] = aliyun.sent
    assert query["TemplateCode"] == "SMS_100004"
    code = json.loads(query["TemplateParam"])["code"]
    assert services.sms_code_verify(user=user, purpose="recovery", session_key="s", code=code) == MAINLAND
