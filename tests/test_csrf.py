"""Item 38: every state change is a POST with a CSRF token. Walks every URL pattern the project serves
(Django's resolver, admin and helpdesk included) and POSTs to each without a token, from a client that would
otherwise be let in: signed in through both steps, freshly confirmed, staff and superuser. Each POST must be
refused by the CSRF check itself (the failure view below marks its 403), not by a login or permission check."""

import re

import pytest
from django.http import HttpResponseForbidden
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from tests.factories import UserFactory
from tests.two_factor.otp import two_step_sign_in

MARK = "X-Test-CSRF-Refused"

# Values for the parameters in our URL patterns (by name), so each concrete URL resolves to its own view.
PARAMETERS = {"action_name": "reset_two_step", "app_label": "accounts", "url": "x", "token": "x"}


def csrf_refused(request, reason=""):
    response = HttpResponseForbidden(reason)
    response[MARK] = reason or "refused"
    return response


def _concrete(pattern: str) -> str:
    pattern = pattern.lstrip("^").replace("$", "").replace("\\Z", "").replace("\\", "")

    def fill(name: str, converter: str | None) -> str:
        if name in PARAMETERS:
            return PARAMETERS[name]
        return "1" if converter in (None, "int", "path") or name.endswith("id") else "x"

    pattern = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: fill(m.group(1), None), pattern)
    return re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: fill(m.group(2), m.group(1)), pattern)


def every_url() -> list[tuple[str, URLPattern]]:
    found = []

    def walk(patterns, prefix):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + _concrete(str(entry.pattern)))
            else:
                found.append(("/" + prefix + _concrete(str(entry.pattern)), entry))

    walk(get_resolver().url_patterns, "")
    return found


URLS = every_url()


def test_the_walk_reaches_every_view():
    """Each concrete URL resolves to the pattern it was made from, so no view is skipped by a bad guess."""
    assert len(URLS) > 60
    for url, entry in URLS:
        assert resolve(url).func == entry.callback, url
    names = {entry.name for _url, entry in URLS}
    assert {"revoke", "revoke_all", "sign_out", "helpdesk_action", "disable", "rename"} <= names


@pytest.fixture
def strict_client(db, settings):
    """Signed in (both steps, fresh), staff and superuser, holding the CSRF cookie but sending no token."""
    settings.CSRF_FAILURE_VIEW = "tests.test_csrf.csrf_refused"
    staff = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    browser = two_step_sign_in(Client(), staff)
    browser.get("/")  # sets the CSRF cookie
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = browser.cookies
    assert strict.get("/admin/").status_code == 200  # really let in, the admin included
    return strict


# Exempt by design, each for its reason. Outlook's autodiscover is a POST from a mail app, not a browser: it
# needs no session, reads no cookie and changes nothing (tests/mail_clients/test_discovery.py).
EXEMPT_BY_DESIGN = {"/autodiscover/autodiscover.xml", "/Autodiscover/Autodiscover.xml"}


def test_every_post_without_a_csrf_token_is_refused(strict_client):
    not_refused = []
    for url, _entry in URLS:
        if url in EXEMPT_BY_DESIGN:
            continue
        response = strict_client.post(url, {"ids": "1", "reason": "x", "name": "x"})
        if response.status_code != 403 or MARK not in response:
            not_refused.append(f"{url} -> {response.status_code}")
    assert not_refused == []
    assert strict_client.get("/admin/").status_code == 200  # nothing signed the client out


def test_the_same_post_with_the_token_gets_past_the_check(strict_client):
    """The control: the refusal above is the missing token, not something else about the client."""
    token = strict_client.cookies["csrftoken"].value
    response = strict_client.post("/account/language/", {"language": "en", "next": "/"}, HTTP_X_CSRFTOKEN=token)
    assert MARK not in response and response.status_code == 302
