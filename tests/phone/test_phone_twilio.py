"""The Twilio gateway with the real ``twilio`` SDK against a loopback stand-in of Twilio's API (docs/security.md
item 18)."""

import time

import pytest

from security.client import Client
from security.phone import services
from security.phone.errors import SmsSendFailed
from security.phone.models import SmsChallenge
from security.sms import SmsMessage, SmsMisconfigured, SmsRejected, SmsUnavailable, gateway_get
from security.sms.twilio import TwilioGateway
from tests.servers.twilio_standin import TEST_FROM, TwilioStandin


def message(to="+8613812345678", text="hello"):
    return SmsMessage(to=to, template="verification_code", params={"code": "123456", "minutes": "5"}, text=text)


@pytest.fixture
def standin():
    with TwilioStandin() as server:
        yield server


@pytest.fixture
def twilio_settings(standin, settings):
    settings.PORTAL_SMS_GATEWAY = "twilio"
    settings.PORTAL_TWILIO_ACCOUNT_SID = standin.account_sid
    settings.PORTAL_TWILIO_AUTH_TOKEN = standin.auth_token
    settings.PORTAL_TWILIO_FROM = TEST_FROM
    settings.PORTAL_TWILIO_MESSAGING_SERVICE_SID = ""
    settings.PORTAL_TWILIO_API_BASE_URL = standin.base_url
    settings.PORTAL_TWILIO_TIMEOUT_SECONDS = 1.0
    settings.PORTAL_SMS_ALLOWED_REGIONS = ["CN", "US"]
    return settings


def test_gateway_is_chosen_by_settings(twilio_settings):
    assert isinstance(gateway_get(), TwilioGateway)


def test_send_with_from(twilio_settings, standin):
    message_id = gateway_get().send(message(text="Example Mail: your verification code is 123456."))
    assert message_id.startswith("SM") and len(message_id) == 34
    [request] = standin.requests
    assert request["path"] == f"/2010-04-01/Accounts/{standin.account_sid}/Messages.json"
    assert request["form"] == {
        "To": "+8613812345678",
        "From": TEST_FROM,
        "Body": "Example Mail: your verification code is 123456.",
    }
    assert request["auth"].startswith("Basic ")


def test_send_with_messaging_service(twilio_settings, standin):
    twilio_settings.PORTAL_TWILIO_MESSAGING_SERVICE_SID = "MG" + "1" * 32
    gateway_get().send(message())
    assert standin.requests[0]["form"]["MessagingServiceSid"] == "MG" + "1" * 32
    assert "From" not in standin.requests[0]["form"]


@pytest.mark.parametrize(
    ("to", "twilio_code", "reason"),
    [
        ("+15005550001", 21211, "invalid_number"),
        ("+15005550002", 21612, "no_route"),
        ("+15005550003", 21408, "region_not_enabled"),
        ("+15005550004", 21610, "unsubscribed"),
        ("+15005550009", 21614, "not_sms_capable"),
    ],
)
def test_twilio_test_numbers_become_typed_rejections(twilio_settings, to, twilio_code, reason):
    with pytest.raises(SmsRejected) as rejected:
        gateway_get().send(message(to))
    assert (rejected.value.reason_code, rejected.value.provider_code) == (reason, twilio_code)


@pytest.mark.parametrize(
    "change",
    [
        {"PORTAL_TWILIO_FROM": "+15005550001"},  # 21606: a From that is not ours
        {"PORTAL_TWILIO_AUTH_TOKEN": "wrong"},  # 20003
    ],
)
def test_our_misconfiguration_is_unavailable_not_the_users_fault(twilio_settings, change):
    for name, value in change.items():
        setattr(twilio_settings, name, value)
    with pytest.raises(SmsMisconfigured):
        gateway_get().send(message())


@pytest.mark.parametrize("status", [500, 503])
def test_5xx_is_unavailable(twilio_settings, standin, status):
    standin.force_status = status
    with pytest.raises(SmsUnavailable):
        gateway_get().send(message())


def test_timeout_is_unavailable_and_bounded(twilio_settings, standin):
    standin.delay = 3.0
    twilio_settings.PORTAL_TWILIO_TIMEOUT_SECONDS = 0.5
    started = time.monotonic()
    with pytest.raises(SmsUnavailable):
        gateway_get().send(message())
    assert time.monotonic() - started < 2.5


def test_nothing_listening_is_unavailable(twilio_settings):
    from tests.servers.process import free_port

    twilio_settings.PORTAL_TWILIO_API_BASE_URL = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(SmsUnavailable):
        gateway_get().send(message())


# --- Through the service: clear messages, no half-bound state, no used-up quota
# -----------------------------------
CLIENT = Client(ip="203.0.113.9")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("to", "reason", "english"),
    [
        ("+15005550001", "invalid_number", "not a valid phone number"),
        ("+15005550002", "no_route", "cannot deliver"),
        ("+15005550003", "region_not_enabled", "country or region"),
        ("+15005550004", "unsubscribed", "STOP"),
        ("+15005550009", "not_sms_capable", "cannot receive text messages"),
    ],
)
def test_refusals_reach_the_user_as_clear_messages(twilio_settings, user, to, reason, english):
    from django.utils import translation

    with pytest.raises(SmsSendFailed) as failed:
        services.phone_bind_start(user=user, raw_number=to, session_key="s", client=CLIENT)
    assert failed.value.code == reason
    with translation.override("en"):
        assert english in failed.value.message
    assert not SmsChallenge.objects.filter(user=user).exclude(code_digest="").exists()


@pytest.mark.django_db
def test_timeout_through_the_service_leaves_nothing_and_uses_no_quota(twilio_settings, standin, user):
    twilio_settings.PORTAL_SMS_LIMIT_PER_NUMBER_PER_HOUR = 1
    twilio_settings.PORTAL_TWILIO_TIMEOUT_SECONDS = 0.5
    standin.delay = 2.0
    with pytest.raises(SmsSendFailed) as failed:
        services.phone_bind_start(user=user, raw_number="13812345678", session_key="s", client=CLIENT)
    assert failed.value.code == "unavailable"
    challenge = SmsChallenge.objects.get(user=user)
    assert (challenge.code_digest, challenge.sent_at) == ("", None)
    standin.delay = 0
    sent = services.phone_bind_start(user=user, raw_number="13812345678", session_key="s", client=CLIENT)
    assert sent.number == "+8613812345678"
    assert standin.requests[-1]["form"]["To"] == "+8613812345678"


@pytest.mark.django_db
def test_no_code_in_any_log(twilio_settings, standin, user, caplog):
    import logging
    import re

    caplog.set_level(logging.DEBUG)
    services.phone_bind_start(user=user, raw_number="13812345678", session_key="s", client=CLIENT)
    code = re.search(r"\b(\d{6})\b", standin.requests[-1]["form"]["Body"]).group(1)
    services.phone_bind_confirm(user=user, code=code, session_key="s", client=CLIENT)
    assert caplog.records
    assert code not in caplog.text
    assert standin.auth_token not in caplog.text
