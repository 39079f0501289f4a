"""Small helpers shared by tests."""

import re

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def without_csrf(html: bytes | str) -> str:
    """Two renders of the same page differ only in their CSRF tokens; drop them to compare."""
    text = html.decode() if isinstance(html, bytes) else html
    return _CSRF.sub("", text)
