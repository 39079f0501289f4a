"""The one rule for names users give things: app passwords and trusted devices.

A name is shown back to the user, to helpdesk, in e-mails and in the audit log's CSV export, so it must read as
what it is. Invariants:
- Normalised to NFC and trimmed; at most ``max_length`` characters (code points) after that.
- Refused, never silently dropped, so the user knows what was kept: C0 and C1 controls and DEL (``Cc``), line and
  paragraph separators, surrogates, private-use characters, and format characters (``Cf``): the bidi embeddings,
  overrides and isolates U+202A-202E and U+2066-2069 that make "exe.txt" read as "txt.exe", zero-width spaces, the
  BOM, soft hyphens. Only ZWNJ and ZWJ are kept: Persian and Indic words and emoji sequences need them.
- At least one character is visible.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"}
_JOINERS = {"\u200c", "\u200d"}  # ZWNJ, ZWJ


def name_refused_character(name: str) -> str | None:
    """The first character the rule refuses, or None."""
    for char in name:
        if char not in _JOINERS and unicodedata.category(char) in _REFUSED_CATEGORIES:
            return char
    return None


def name_clean(value: str, *, max_length: int) -> str:
    """The name as stored, or a ValidationError whose message is the sentence the user reads under the field."""
    name = unicodedata.normalize("NFC", value or "").strip()
    if name_refused_character(name) is not None:
        raise ValidationError(
            _("The name cannot contain control characters, invisible characters or text-direction marks."),
            code="refused_character",
        )
    if not any(char not in _JOINERS and not unicodedata.category(char).startswith(("Z", "M")) for char in name):
        raise ValidationError(_("Enter a name with at least one visible character."), code="required")
    if len(name) > max_length:
        raise ValidationError(_("Use at most %(max)d characters."), code="too_long", params={"max": max_length})
    return name
