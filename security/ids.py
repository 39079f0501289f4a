"""What can be one of our primary keys, read from a URL, a query string or a form.

Our keys are 64-bit signed integers (``BigAutoField``; ``AutoField`` fits inside). ``str.isdigit`` and ``int``
accept ``²`` and ``١`` (so ``١`` once acted on user 1), and an id past 2^63 is an ``OverflowError`` on SQLite and
an error on PostgreSQL. Only ASCII decimals in 1..2^63-1 are ids; everything else names nothing (a 404).
"""

import re

PK_MAX = 2**63 - 1
_ASCII_DECIMAL = re.compile(r"[0-9]{1,19}")


def object_id_parse(value) -> int | None:
    """The id as an int if it can be one of our primary keys, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 1 <= value <= PK_MAX else None
    text = str(value).strip()
    if not _ASCII_DECIMAL.fullmatch(text):
        return None
    number = int(text)
    return number if 1 <= number <= PK_MAX else None


def object_ids_parse(raw: str, *, limit: int) -> list[int] | None:
    """A comma-separated list of ids (``?ids=3,5,8``), deduplicated, at most ``limit``; None if any part is not
    an id, so a malformed list is refused whole instead of acting on what is left of it."""
    ids: list[int] = []
    for part in (raw or "").split(","):
        if not part.strip():
            continue
        number = object_id_parse(part)
        if number is None:
            return None
        if number not in ids:
            ids.append(number)
    return ids[:limit]
