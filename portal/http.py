"""Redirect targets from the request (``?next=``): only paths on this site, never another host."""

from django.utils.http import url_has_allowed_host_and_scheme


def is_safe_url(request, url: str | None) -> bool:
    return bool(url) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def safe_next_url(request, default: str = "") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    return target if is_safe_url(request, target) else default
