"""Figures for the phone feature: number parsing, and an SMS through the real Twilio SDK to the loopback
stand-in.

Run: .venv/bin/python bench/phone_sms.py (Twilio, Aliyun and Tencent Cloud SDKs against their stand-ins)
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")

import django

django.setup()

from django.conf import settings  # noqa: E402

from security.phone.numbers import phone_number_parse  # noqa: E402
from security.sms import SmsMessage  # noqa: E402
from security.sms.twilio import TwilioGateway  # noqa: E402
from tests.servers.twilio_standin import TEST_FROM, TwilioStandin  # noqa: E402


def timed(fn, n):
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000, max(samples) * 1000


median, worst = timed(lambda: phone_number_parse("138 1234 5678"), 2000)
print(f"phone_number_parse: median {median:.3f} ms, max {worst:.3f} ms (2000 runs)")

with TwilioStandin() as standin:
    settings.PORTAL_TWILIO_ACCOUNT_SID = standin.account_sid
    settings.PORTAL_TWILIO_AUTH_TOKEN = standin.auth_token
    settings.PORTAL_TWILIO_FROM = TEST_FROM
    settings.PORTAL_TWILIO_API_BASE_URL = standin.base_url
    gateway = TwilioGateway()
    message = SmsMessage(
        to="+8613812345678",
        template="verification_code",
        params={"code": "123456", "minutes": "5"},
        text="Example Mail: code 123456.",
    )
    median, worst = timed(lambda: gateway.send(message), 200)
    print(f"Twilio SDK send to loopback stand-in: median {median:.2f} ms, max {worst:.2f} ms (200 sends)")

from security.sms.aliyun import AliyunGateway  # noqa: E402
from security.sms.tencent import TencentGateway  # noqa: E402
from tests.servers.aliyun_standin import AliyunStandin  # noqa: E402
from tests.servers.tencent_standin import SDK_APP_ID, TencentStandin  # noqa: E402

with AliyunStandin() as standin:
    settings.PORTAL_ALIYUN_ACCESS_KEY_ID = standin.access_key_id
    settings.PORTAL_ALIYUN_ACCESS_KEY_SECRET = standin.access_key_secret
    settings.PORTAL_ALIYUN_SIGN_NAME = "示例邮箱"
    settings.PORTAL_ALIYUN_TEMPLATES = {"verification_code": "SMS_100001"}
    settings.PORTAL_ALIYUN_ENDPOINT = standin.host
    settings.PORTAL_ALIYUN_PROTOCOL = "http"
    gateway = AliyunGateway()
    median, worst = timed(lambda: gateway.send(message), 200)
    print(f"Aliyun SDK send to loopback stand-in: median {median:.2f} ms, max {worst:.2f} ms (200 sends)")

with TencentStandin() as standin:
    settings.PORTAL_TENCENT_SECRET_ID = standin.secret_id
    settings.PORTAL_TENCENT_SECRET_KEY = standin.secret_key
    settings.PORTAL_TENCENT_SMS_SDK_APP_ID = SDK_APP_ID
    settings.PORTAL_TENCENT_SIGN_NAME = "示例邮箱"
    settings.PORTAL_TENCENT_TEMPLATES = {"verification_code": "2000001"}
    settings.PORTAL_TENCENT_ENDPOINT = standin.host
    settings.PORTAL_TENCENT_PROTOCOL = "http"
    gateway = TencentGateway()
    median, worst = timed(lambda: gateway.send(message), 200)
    print(f"Tencent SDK send to loopback stand-in: median {median:.2f} ms, max {worst:.2f} ms (200 sends)")
