"""Reading a phone number as typed and deciding, before any gateway call, whether we will text it.

Invariants:
- Only numbers that are valid per the ``phonenumbers`` metadata, from a region in
  ``PORTAL_SMS_ALLOWED_REGIONS`` and of a type that can receive SMS leave this module; anything else raises
  ``PhoneNumberRefused`` with a code that says which rule refused it (docs/security.md item 17).
- The result is E.164 (``+8613812345678``); typed national numbers use ``PORTAL_PHONE_DEFAULT_REGION``.
"""

import re
import unicodedata

import phonenumbers
from phonenumbers import PhoneNumberType

from portal.conf import portal_settings

from .errors import PhoneNumberRefused

RAW_MAX_LENGTH = 32  # longer than any formatted number; also caps what we hand to the parser
E164_MAX_DIGITS = 15
_SEPARATORS = re.compile(r"[\s\-().\u00a0]")
SMS_CAPABLE_TYPES = {
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,  # e.g. US/CA numbers: the metadata cannot tell
    PhoneNumberType.PERSONAL_NUMBER,
    PhoneNumberType.VOIP,
}


def phone_number_parse(raw: str, *, default_region: str | None = None) -> str:
    """Return the E.164 form of ``raw`` or raise ``PhoneNumberRefused``."""
    # NFKC turns the full-width digits and plus sign that Chinese IMEs type into ASCII
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text:
        raise PhoneNumberRefused("empty")
    if len(text) > RAW_MAX_LENGTH:
        raise PhoneNumberRefused("too_long")
    compact = _SEPARATORS.sub("", text)
    if "+" in compact[1:]:
        raise PhoneNumberRefused("plus")
    digits = compact.removeprefix("+")
    if not digits.isascii() or not digits.isdigit():
        raise PhoneNumberRefused("letters")
    if len(digits) > E164_MAX_DIGITS + 2:  # room for a trunk or international prefix
        raise PhoneNumberRefused("too_long")
    if len(digits) < 3:
        raise PhoneNumberRefused("too_short")
    try:
        number = phonenumbers.parse(compact, default_region or portal_settings.phone_default_region)
    except phonenumbers.NumberParseException as error:
        if error.error_type in (phonenumbers.NumberParseException.TOO_LONG,):
            raise PhoneNumberRefused("too_long") from None
        if error.error_type in (
            phonenumbers.NumberParseException.TOO_SHORT_NSN,
            phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD,
        ):
            raise PhoneNumberRefused("too_short") from None
        raise PhoneNumberRefused("invalid") from None
    if not phonenumbers.is_valid_number(number):
        raise PhoneNumberRefused("invalid")
    if phonenumbers.region_code_for_number(number) not in region_allow_list():
        raise PhoneNumberRefused("region")
    if phonenumbers.number_type(number) not in SMS_CAPABLE_TYPES:
        raise PhoneNumberRefused("not_mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def region_allow_list() -> set[str]:
    return {region.strip().upper() for region in portal_settings.sms_allowed_regions if region.strip()}
