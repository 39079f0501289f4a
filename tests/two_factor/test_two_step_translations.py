"""Every two-step page reads fully in Chinese (brand names and codes aside), and renders in English too."""

import re

import pytest

from tests.test_pages import untranslated_words
from tests.two_factor.otp import sign_in_with_password

BRANDS = {"google", "authenticator", "microsoft", "freeotp", "txt"}
CODES = re.compile(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}|([A-Z2-7]{4} ){7}[A-Z2-7]{4}")


def chinese_gaps(response, user) -> set[str]:
    assert response.status_code in (200, 400), response.status_code
    return untranslated_words(CODES.sub(" ", response.content.decode()), user.email) - BRANDS


ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}


def test_pages_before_turning_on(client_signed_in, user, clock):
    for path in ("/", "/two-step/", "/two-step/setup/"):
        assert chinese_gaps(client_signed_in.get(path, **ZH), user) == set(), path
    assert chinese_gaps(client_signed_in.post("/two-step/setup/", {"code": "x"}, **ZH), user) == set()


@pytest.mark.parametrize(
    "path",
    ["/", "/two-step/", "/two-step/setup/", "/two-step/recovery-codes/", "/two-step/disable/", "/confirm/?next=/"],
)
def test_pages_once_on(client_two_step, enrolled, path):
    assert chinese_gaps(client_two_step.get(path, **ZH), enrolled) == set()
    assert client_two_step.get(path, HTTP_ACCEPT_LANGUAGE="en").status_code == 200


def test_new_recovery_codes_page(client_two_step, enrolled):
    client_two_step.post("/two-step/recovery-codes/regenerate/")
    response = client_two_step.get("/two-step/recovery-codes/", **ZH)
    assert 'data-testid="recovery-codes"' in response.content.decode()
    assert chinese_gaps(response, enrolled) == set()


@pytest.mark.parametrize("method", ["totp", "recovery"])
def test_verify_page_and_its_errors(client, enrolled, method):
    sign_in_with_password(client, enrolled)
    assert chinese_gaps(client.get(f"/two-step/verify/?method={method}", **ZH), enrolled) == set()
    for code in ("", "abc", "000000", "2222-3333-4444-5555"):
        response = client.post("/two-step/verify/", {"method": method, "code": code}, **ZH)
        assert chinese_gaps(response, enrolled) == set()
