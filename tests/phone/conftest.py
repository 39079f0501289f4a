import pytest

from security.sms import test as test_gateway


@pytest.fixture
def sms_outbox():
    """The test gateway's outbox, empty at the start of the test."""
    test_gateway.outbox_clear()
    yield test_gateway.outbox
    test_gateway.outbox_clear()


def code_in(message) -> str:
    """The code the message carries, as a template parameter (what a template-only provider receives)."""
    return message.params["code"]


@pytest.fixture
def other_code():
    """A 6-digit code that is not ``code``."""
    return lambda code: f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.fixture
def aliyun(settings):
    """The Aliyun gateway, configured against a loopback stand-in of Aliyun's API."""
    from tests.servers.aliyun_standin import SIGN_NAME, AliyunStandin

    with AliyunStandin() as standin:
        settings.PORTAL_ALIYUN_ACCESS_KEY_ID = standin.access_key_id
        settings.PORTAL_ALIYUN_ACCESS_KEY_SECRET = standin.access_key_secret
        settings.PORTAL_ALIYUN_SIGN_NAME = SIGN_NAME
        settings.PORTAL_ALIYUN_TEMPLATES = {
            "verification_code": "SMS_100001",
            "verification_code.en": "SMS_100002",
            "number_changed": "SMS_100003",
            "recovery": "SMS_100004",
        }
        settings.PORTAL_ALIYUN_ENDPOINT = standin.host
        settings.PORTAL_ALIYUN_PROTOCOL = "http"
        settings.PORTAL_ALIYUN_TIMEOUT_SECONDS = 1.0
        yield standin


@pytest.fixture
def tencent(settings):
    """The Tencent Cloud gateway, configured against a loopback stand-in of Tencent Cloud's API."""
    from tests.servers.tencent_standin import SDK_APP_ID, SIGN_NAME, TencentStandin

    with TencentStandin() as standin:
        settings.PORTAL_TENCENT_SECRET_ID = standin.secret_id
        settings.PORTAL_TENCENT_SECRET_KEY = standin.secret_key
        settings.PORTAL_TENCENT_SMS_SDK_APP_ID = SDK_APP_ID
        settings.PORTAL_TENCENT_SIGN_NAME = SIGN_NAME
        settings.PORTAL_TENCENT_TEMPLATES = {
            "verification_code": "2000001",
            "verification_code.en": "2000002",
            "number_changed": "2000003",
            "recovery": "2000004",
        }
        settings.PORTAL_TENCENT_REGION = "ap-guangzhou"
        settings.PORTAL_TENCENT_ENDPOINT = standin.host
        settings.PORTAL_TENCENT_PROTOCOL = "http"
        settings.PORTAL_TENCENT_TIMEOUT_SECONDS = 1.0
        yield standin


def verification_message(to="+8613812345678", *, code="123456", language="zh-hans"):
    from security.sms.messages import sms_message_build

    return sms_message_build(
        to=to, template="verification_code", params={"code": code, "minutes": 5}, language=language
    )
