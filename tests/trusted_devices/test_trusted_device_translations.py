"""The trusted-device and session pages read fully in Chinese."""

from django.test import Client

from tests.factories import PASSWORD
from tests.test_pages import untranslated_words
from tests.two_factor.otp import code_at, current_step

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}
UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"


def test_pages_in_chinese(enrolled, clock):
    enrolled.language = "zh-hans"  # event details (device names) are written in the user's language
    enrolled.save(update_fields=["language"])
    client = Client(HTTP_USER_AGENT=UA)
    client.post("/account/sign-in/", {"username": enrolled.email, "password": PASSWORD})
    verify = client.get("/two-step/verify/", **ZH).content.decode()
    assert untranslated_words(verify, enrolled.email) == set()
    client.post("/two-step/verify/", {"method": "totp", "code": code_at(current_step()), "remember": "on"})
    # Device names from the user agent (Chrome, Windows) are names, the same in every language.
    allowed = {"chrome", "windows"}
    for path in ("/", "/devices/", "/devices/sessions/"):
        response = client.get(path, **ZH)
        assert response.status_code == 200
        assert untranslated_words(response.content.decode(), enrolled.email) - allowed == set(), path
    bad = client.post("/devices/1/rename/", {"name": ""}, **ZH)
    assert untranslated_words(bad.content.decode(), enrolled.email) - allowed == set()
