"""Numbers are read as typed and refused before any gateway call, with a reason (item 17)."""

import pytest
from django.test import override_settings

from security.phone.errors import PhoneNumberRefused
from security.phone.numbers import phone_number_parse


def fullwidth(text: str) -> str:
    """What a Chinese IME types: the full-width form of ASCII characters."""
    return "".join(chr(ord(c) + 0xFEE0) for c in text)


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("13812345678", "+8613812345678"),  # national, default region CN
        ("138 1234 5678", "+8613812345678"),
        ("138-1234-5678", "+8613812345678"),
        (" +86 138 1234 5678 ", "+8613812345678"),
        ("+86 (138) 1234-5678", "+8613812345678"),
        (fullwidth("13812345678"), "+8613812345678"),  # full-width digits from a Chinese IME
        (fullwidth("+") + "8613812345678", "+8613812345678"),
        ("+852 6123 4567", "+85261234567"),
        ("008613812345678", "+8613812345678"),  # international prefix from China
    ],
)
def test_accepted_numbers_become_e164(raw, e164):
    assert phone_number_parse(raw) == e164


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("1" * 40, "too_long"),
        ("+" + "1" * 40, "too_long"),
        ("1" * 18, "too_long"),
        ("x" * 10_240, "too_long"),
        ("1-800-FLOWERS", "letters"),
        ("138abc45678", "letters"),
        ("138 1234 567" + fullwidth("8") + "a", "letters"),
        (fullwidth("138") + "😀", "letters"),
        ("<b>138</b>", "letters"),
        ("138+12345678", "plus"),
        ("++8613812345678", "plus"),
        ("13812345678+", "plus"),
        ("12", "too_short"),
        ("1381234567", "invalid"),  # one digit short for a CN mobile
        ("+999 1234 5678", "invalid"),  # no such country code
        ("010 6552 9988", "not_mobile"),  # a Beijing landline
        ("+86 400 810 8888", "not_mobile"),  # a 400 service number
        ("+1 212 555 0100", "region"),  # US is not on the default allow-list
        ("+44 7400 123456", "region"),
    ],
)
def test_refused_numbers_say_why(raw, reason):
    with pytest.raises(PhoneNumberRefused) as refused:
        phone_number_parse(raw)
    assert refused.value.code == reason
    assert refused.value.message  # a sentence for the user, never empty


@override_settings(PORTAL_SMS_ALLOWED_REGIONS=["CN", "GB"])
def test_allow_list_is_a_setting():
    assert phone_number_parse("+44 7400 123456") == "+447400123456"


@override_settings(PORTAL_PHONE_DEFAULT_REGION="HK", PORTAL_SMS_ALLOWED_REGIONS=["HK"])
def test_default_region_is_a_setting():
    assert phone_number_parse("6123 4567") == "+85261234567"
