"""Figures for the phone feature: number parsing, and an SMS through each real SDK (Twilio, Aliyun, Tencent Cloud)
to its loopback stand-in.

    .venv/bin/python bench/phone_sms.py [--smoke]

Prints a markdown table of the median and the slowest run. ``--smoke``: 20 parses and 5 sends each (checks the bench
works).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")


def timed(fn, n):
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000, max(samples) * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="20 parses, 5 sends per gateway")
    args = parser.parse_args()
    parses, sends = (20, 5) if args.smoke else (2000, 200)

    import django

    django.setup()
    from django.conf import settings

    from security.phone.numbers import phone_number_parse
    from security.sms import SmsMessage
    from security.sms.aliyun import AliyunGateway
    from security.sms.tencent import TencentGateway
    from security.sms.twilio import TwilioGateway
    from tests.servers.aliyun_standin import AliyunStandin
    from tests.servers.tencent_standin import SDK_APP_ID, TencentStandin
    from tests.servers.twilio_standin import TEST_FROM, TwilioStandin

    print("| operation | median (ms) | max (ms) | runs |")
    print("|---|---|---|---|")
    median, worst = timed(lambda: phone_number_parse("138 1234 5678"), parses)
    print(f"| phone_number_parse | {median:.3f} | {worst:.3f} | {parses} |")
    message = SmsMessage(
        to="+8613812345678",
        template="verification_code",
        params={"code": "123456", "minutes": "5"},
        text="Example Mail: code 123456.",
    )

    with TwilioStandin() as standin:
        settings.PORTAL_TWILIO_ACCOUNT_SID = standin.account_sid
        settings.PORTAL_TWILIO_AUTH_TOKEN = standin.auth_token
        settings.PORTAL_TWILIO_FROM = TEST_FROM
        settings.PORTAL_TWILIO_API_BASE_URL = standin.base_url
        gateway = TwilioGateway()
        median, worst = timed(lambda: gateway.send(message), sends)
        print(f"| Twilio SDK send to the loopback stand-in | {median:.2f} | {worst:.2f} | {sends} |")

    with AliyunStandin() as standin:
        settings.PORTAL_ALIYUN_ACCESS_KEY_ID = standin.access_key_id
        settings.PORTAL_ALIYUN_ACCESS_KEY_SECRET = standin.access_key_secret
        settings.PORTAL_ALIYUN_SIGN_NAME = "示例邮箱"
        settings.PORTAL_ALIYUN_TEMPLATES = {"verification_code": "SMS_100001"}
        settings.PORTAL_ALIYUN_ENDPOINT = standin.host
        settings.PORTAL_ALIYUN_PROTOCOL = "http"
        gateway = AliyunGateway()
        median, worst = timed(lambda: gateway.send(message), sends)
        print(f"| Aliyun SDK send to the loopback stand-in | {median:.2f} | {worst:.2f} | {sends} |")

    with TencentStandin() as standin:
        settings.PORTAL_TENCENT_SECRET_ID = standin.secret_id
        settings.PORTAL_TENCENT_SECRET_KEY = standin.secret_key
        settings.PORTAL_TENCENT_SMS_SDK_APP_ID = SDK_APP_ID
        settings.PORTAL_TENCENT_SIGN_NAME = "示例邮箱"
        settings.PORTAL_TENCENT_TEMPLATES = {"verification_code": "2000001"}
        settings.PORTAL_TENCENT_ENDPOINT = standin.host
        settings.PORTAL_TENCENT_PROTOCOL = "http"
        gateway = TencentGateway()
        median, worst = timed(lambda: gateway.send(message), sends)
        print(f"| Tencent SDK send to the loopback stand-in | {median:.2f} | {worst:.2f} | {sends} |")


if __name__ == "__main__":
    main()
