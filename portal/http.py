"""Redirect targets from the request (``?next=``). Every redirect to a user-supplied target goes through here.

Invariants:
- Only a local path is followed: one leading ``/`` (not ``//`` or ``/\\``, which browsers read as another host), no
  control characters or whitespace. Anything else, including a view name such as ``overview``, gives the default.
- The target is never handed to ``resolve_url``/``redirect()``, which would try it as a view name and fail with a
  500 after the request's work was done. Callers compute the response before any side effect.
"""

import unicodedata

from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def local_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(unicodedata.category(ch)[0] in "CZ" for ch in target):
        return None
    # Django's own check as well (it knows the browsers' other quirks); no host is allowed at all.
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts=set()) else None


def is_safe_url(request, url: str | None) -> bool:
    return local_path(url) is not None


def safe_next_url(request, default: str = "") -> str:
    """The request's ``next`` if it is a local path, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    return local_path(target) or default


def safe_redirect(target: str | None, default: str) -> HttpResponseRedirect:
    """A redirect to ``target`` if it is a local path, else to ``default`` (a URL name or path of our own)."""
    return HttpResponseRedirect(local_path(target) or resolve_url(default))
