"""Every URL and every form, fuzzed, as four kinds of visitor (issue: production, "Every form and URL fuzzed").

The walker finds the URL patterns itself, so a page added later is fuzzed without anyone listing it. For each
visitor (signed out, signed in, signed in with two-step on, helpdesk staff in the admin) it GETs every page, reads
every POST form on it, and posts what hypothesis makes of its fields: unicode, control characters, huge strings,
numbers, missing and repeated fields, and fields nobody asked for; and it sends the wrong methods. It asserts:
- no 500 and no traceback text;
- no secret of the visitor's in any response (the password, the authenticator key);
- a refused request (4xx, or the form shown again) leaves every model's row count as it was.

``FUZZ_EXAMPLES`` (default 10) sets the examples per form; CI uses the default, a longer run a few hundred.
"""

import base64
import os
import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import URLResolver, get_resolver
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.factories import PASSWORD, UserFactory
from tests.helpdesk.conftest import helpdesk_group
from tests.two_factor.otp import FIXED_KEY, two_step_sign_in

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
# Rows these write on purpose when a request is refused: the audit trail, django-axes' failure log, sessions and
# the session registry, the notification outbox, and the cache table.
LOGGED_ON_REFUSAL = {
    "security.securityevent",
    "security.notification",
    "axes.accessattempt",
    "axes.accessfailurelog",
    "axes.accesslog",
    "sessions.session",
    "user_sessions.usersession",
}
# Signing out (or ending every session) would turn the rest of the walk into the signed-out walk.
SKIP_POST = {"/account/sign-out/", "/devices/sessions/end-others/"}
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"/|line \d+, in ")
HUGE = "漢" * 5000 + "a" * 20000
ODD_IDS = ("0", "9223372036854775807", "9223372036854775808", "1" + "0" * 30)

field_values = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=200),
    st.sampled_from(["", " ", "\x00", "\u202e", "\r\n", "%00", "../../etc/passwd", "{{ 7*7 }}", "<script>", HUGE]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.from_regex(r"\A[0-9 +\-]{1,30}\Z"),
)


class _Forms(HTMLParser):
    """The POST forms of a page: their action and field names (with the page's own values)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._current = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._current = {"action": attrs.get("action") or "", "fields": {}}
            self.forms.append(self._current)
        elif self._current is not None and tag in {"input", "select", "textarea", "button"} and attrs.get("name"):
            self._current["fields"].setdefault(attrs["name"], attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def post_forms(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def routes(prefix: str = "", patterns=None):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from routes(prefix + str(pattern.pattern), pattern.url_patterns)
        else:
            yield prefix + str(pattern.pattern)


def concrete_paths(route: str, *, admin: bool) -> list[str]:
    """Each route with its parameters filled: odd ids for every ``<int:…>``, a word for ``<str:…>``/``<path:…>``."""
    if route.startswith("admin/") != admin or "(?P" in route or route.startswith("^"):
        return []
    if "<int:" in route:
        return ["/" + re.sub(r"<int:\w+>", value, route) for value in ("1", *ODD_IDS)]
    return ["/" + re.sub(r"<(?:str|path|slug):\w+>", "x", route)]


def row_counts() -> tuple[int, ...]:
    """Every model's row count, in one query (it runs around every fuzzed request)."""
    tables = sorted(
        {
            model._meta.db_table
            for model in apps.get_models()
            if model._meta.label_lower not in LOGGED_ON_REFUSAL and not model._meta.proxy and model._meta.managed
        }
    )
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables))  # noqa: S608
        return tuple(zip(tables, cursor.fetchone(), strict=True))


def check_response(response, *, secrets: list[str], where: str):
    assert response.status_code < 500, f"{where}: {response.status_code}"
    body = response.content.decode("utf-8", "replace") if not response.streaming else ""
    assert not TRACEBACK.search(body), f"{where}: traceback text"
    for secret in secrets:
        assert secret not in body, f"{where}: a secret is in the response"


ERROR_MARKERS = ('role="alert"', 'class="errorlist', 'class="errornote')


def refused(response) -> bool:
    """4xx, or a page shown again with an error on it (the admin answers a bad form with 200)."""
    if response.status_code >= 400:
        return True
    html = response.status_code == 200 and response.get("Content-Type", "").startswith("text/html")
    return html and any(marker in response.content.decode("utf-8", "replace") for marker in ERROR_MARKERS)


def walk(client: Client, *, admin: bool, secrets: list[str]):
    """GET every page, fuzz every form on it (each form once: the language switch is on every page), and send
    the wrong methods."""
    fuzzed = set()
    for route in sorted(set(routes())):
        for path in concrete_paths(route, admin=admin):
            page = client.get(path)
            check_response(page, secrets=secrets, where=f"GET {path}")
            for method in ("put", "patch", "delete"):
                check_response(getattr(client, method)(path), secrets=secrets, where=f"{method.upper()} {path}")
            forms = post_forms(page.content.decode("utf-8", "replace")) if page.status_code == 200 else []
            # POST-only URLs (revoke, resend, …) have no page of their own: fuzz them with made-up fields.
            targets = [(form["action"] or path, form["fields"]) for form in forms] or [(path, {"confirm": ""})]
            for target, fields in targets:
                key = (target, tuple(sorted(fields)))
                if key in fuzzed or target.split("?")[0] in SKIP_POST or not target.startswith("/"):
                    continue
                fuzzed.add(key)
                fuzz_form(client, target, fields, secrets=secrets)


def fuzz_form(client: Client, target: str, fields: dict, *, secrets: list[str]):
    names = sorted(name for name in fields if name != "csrfmiddlewaretoken")

    def send(data: dict, what: str):
        before = row_counts()
        response = client.post(target, data)
        check_response(response, secrets=secrets, where=f"POST {target} ({what})")
        if refused(response):
            assert row_counts() == before, f"POST {target} ({what}): a refused request changed rows"

    # The cases the rule names, every time: each field huge, NUL, a bidi override, missing, repeated, and
    # the page's own values with one field huge at a time.
    for value in (HUGE, "\x00", "\u202e", " "):
        send(dict.fromkeys(names, value), f"all {value[:3]!r}")
    send({}, "no fields")
    send({name: [fields[name] or "1", "2"] for name in names}, "repeated")
    for name in names:
        send({**{other: fields[other] for other in names}, name: HUGE}, f"{name} huge")

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        values=st.fixed_dictionaries(
            {},
            optional={name: st.one_of(field_values, st.lists(field_values, min_size=2, max_size=3)) for name in names},
        ),
        extra=st.dictionaries(st.text(min_size=1, max_size=12), field_values, max_size=2),
    )
    def post(values, extra):
        send({**extra, **values}, f"generated {sorted(values)}")

    post()


def totp_key_text() -> str:
    return base64.b32encode(FIXED_KEY).decode().rstrip("=")


@pytest.fixture
def fuzz_settings(settings):
    # Enough room that the throttles answer "wait" (a 429, checked too) rather than hard-locking mid-walk.
    settings.PORTAL_APP_PASSWORDS_MAX_ACTIVE = 25


@pytest.mark.django_db
def test_signed_out(client, fuzz_settings):
    UserFactory(email="someone@example.com")
    walk(client, admin=False, secrets=[PASSWORD])
    walk(client, admin=True, secrets=[PASSWORD])


@pytest.mark.django_db
def test_signed_in(client_signed_in, fuzz_settings):
    walk(client_signed_in, admin=False, secrets=[PASSWORD])


@pytest.mark.django_db
def test_signed_in_with_two_step_on(user, fuzz_settings):
    client = two_step_sign_in(Client(), user)
    walk(client, admin=False, secrets=[PASSWORD, totp_key_text()])


@pytest.mark.django_db
def test_helpdesk_staff_in_the_admin(fuzz_settings):
    UserFactory(email="caller@example.com")
    staff = UserFactory(email="helpdesk@example.com", is_staff=True)
    staff.groups.add(helpdesk_group())
    client = two_step_sign_in(Client(), staff)
    walk(client, admin=True, secrets=[PASSWORD, totp_key_text()])
