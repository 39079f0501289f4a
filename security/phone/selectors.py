"""Reads for the bound phone."""


def mask_phone(e164: str) -> str:
    """``+8613812345678`` → ``+86 138****5678``: enough to recognise, not enough to use."""
    import phonenumbers

    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return "****"
    national = phonenumbers.national_significant_number(number)
    if len(national) <= 4:
        return f"+{number.country_code} ****"
    keep_head = 3 if len(national) >= 10 else 2
    hidden = len(national) - keep_head - 4
    return f"+{number.country_code} {national[:keep_head]}{'*' * max(hidden, 1)}{national[-4:]}"


def phone_overview(*, user) -> dict:
    """What the Security overview card shows. ``bind_url`` is None until the feature exists."""
    return {"masked": None, "bind_url": None}
