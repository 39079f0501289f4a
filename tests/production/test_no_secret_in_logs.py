"""Every secret a user meets, in one journey, and not one of them in any log line (issue: production; item 7).

The journey signs in, sets up the authenticator, reads the recovery codes, signs in again with a code and "don't
ask again", signs in with a recovery code, binds a phone by SMS code, creates an app password, confirms a second
alert address by its link, and changes the password. Everything logged meanwhile is captured through the
production JSON formatter at DEBUG, SQL statements with their parameters included. Afterwards no secret the
journey saw may appear in that text, and every response that showed one must have said ``no-store``.
"""

import base64
import logging
import re

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client

from portal.request_id import RequestIdFilter
from security.trusted_devices.services import trusted_device_cookie_name
from tests.factories import PASSWORD, UserFactory
from tests.phone.conftest import (
    code_in,
    sms_outbox,  # noqa: F401 (a fixture)
)
from tests.two_factor.otp import START_STEP, code_at

NEW_PASSWORD = "Amber-Harbor-Violin-73"
SECRET_TEXT = re.compile(r'data-testid="totp-secret">([A-Z2-7 ]+)<')
RECOVERY_CODE = re.compile(r'<code class="secret">([a-z2-9-]{19})</code>')


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        formatter = settings.LOGGING["formatters"]["json"]
        from pythonjsonlogger.json import JsonFormatter

        self.setFormatter(JsonFormatter(formatter["fmt"], rename_fields=formatter["rename_fields"]))
        self.addFilter(RequestIdFilter())
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def captured_logs():
    handler = Capture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    loggers = {name: logging.getLogger(name).level for name in ("django.db.backends", "factory")}
    logging.getLogger("django.db.backends").setLevel(logging.DEBUG)
    logging.getLogger("factory").setLevel(logging.INFO)  # the test's own factories, not the portal
    connection.force_debug_cursor = True  # every SQL statement and its parameters, as DEBUG=True would log them
    yield handler
    connection.force_debug_cursor = False
    root.removeHandler(handler)
    root.setLevel(old_level)
    for name, level in loggers.items():
        logging.getLogger(name).setLevel(level)


class Journey:
    """A browser that remembers every secret it was shown or typed, and every response that showed one."""

    def __init__(self):
        self.client = Client(HTTP_ACCEPT_LANGUAGE="en")
        self.secrets: set[str] = {PASSWORD, NEW_PASSWORD}
        self.session_keys: set[str] = set()
        self.responses = []

    def get(self, path, **kwargs):
        return self._keep(self.client.get(path, **kwargs))

    def post(self, path, data=None, **kwargs):
        return self._keep(self.client.post(path, data or {}, **kwargs))

    def _keep(self, response):
        self.responses.append(response)
        session = self.client.cookies.get(settings.SESSION_COOKIE_NAME)
        if session is not None and session.value:
            self.session_keys.add(session.value)
        device = self.client.cookies.get(trusted_device_cookie_name())
        if device is not None and device.value:
            self.secrets.add(device.value)
        return response

    def shown(self, *secrets):
        self.secrets.update(s for s in secrets if s)


def _appears(secret: str, text: str) -> bool:
    """A code of digits counts only as a number of its own: SQL logs carry long hex digests, in which any given six
    digits turn up by chance (about once in twenty runs on MariaDB's logs). Other secrets count anywhere."""
    if secret.isdigit():
        return re.search(rf"(?<![0-9A-Za-z]){secret}(?![0-9A-Za-z])", text) is not None
    return secret in text


@pytest.mark.django_db(transaction=True)
def test_no_secret_reaches_a_log_and_every_page_showing_one_is_no_store(
    captured_logs, clock, sms_outbox, django_capture_on_commit_callbacks  # noqa: F811
):
    user = UserFactory(email="li.lei@example.com")
    browser = Journey()
    with django_capture_on_commit_callbacks(execute=True):
        assert browser.post("/account/sign-in/", {"username": user.email, "password": PASSWORD}).status_code == 302

        # The authenticator: the key on the setup page, then the first code.
        setup = browser.get("/two-step/setup/")
        key_text = SECRET_TEXT.search(setup.content.decode()).group(1).replace(" ", "")
        key = base64.b32decode(key_text + "=" * (-len(key_text) % 8))
        first_code = code_at(START_STEP, key)
        browser.shown(key_text, first_code)
        assert browser.post("/two-step/setup/", {"code": first_code}).status_code == 302
        codes = RECOVERY_CODE.findall(browser.get("/two-step/recovery-codes/").content.decode())
        assert len(codes) == 10
        browser.shown(*codes)
        browser.post("/two-step/recovery-codes/")

        # Signing in again with a code and "don't ask again", then with a recovery code.
        browser.post("/account/sign-out/")
        clock.shift(30)
        browser.post("/account/sign-in/", {"username": user.email, "password": PASSWORD})
        second_code = code_at(START_STEP + 1, key)
        browser.shown(second_code)
        verified = browser.post("/two-step/verify/", {"method": "totp", "code": second_code, "remember": "on"})
        assert verified.status_code == 302
        assert browser.client.cookies[trusted_device_cookie_name()].value
        browser.post("/account/sign-out/")
        browser.client.cookies.pop(trusted_device_cookie_name(), None)
        browser.post("/account/sign-in/", {"username": user.email, "password": PASSWORD})
        assert browser.post("/two-step/verify/", {"method": "recovery", "code": codes[0]}).status_code == 302

        # A phone, by SMS code.
        assert browser.post("/phone/", {"number": "138 1234 5678"}).status_code == 302
        sms_code = code_in(sms_outbox[-1])
        browser.shown(sms_code)
        assert browser.post("/phone/confirm/", {"code": sms_code}).status_code == 302

        # An app password.
        form = browser.get("/app-passwords/new/")
        creation_key = form.context["form"]["creation_key"].value()
        created = browser.post(
            "/app-passwords/new/", {"name": "Foxmail", "scope": "smtp", "creation_key": creation_key}
        )
        app_password = created.context["secret"]
        assert app_password and "".join(created.context["secret_groups"]) in app_password.replace("-", "")
        browser.shown(app_password, *created.context["secret_groups"])

        # A second alert address, confirmed by the link in its e-mail.
        browser.post("/notifications/", {"address": "backup@elsewhere.example"})
        letter = next(m for m in mail.outbox if m.to == ["backup@elsewhere.example"])
        link = re.search(r"/notifications/confirm/([^/\s]+)/", letter.body)
        browser.shown(link.group(1))
        assert Client().post(link.group(0)).status_code == 200

        # The password, changed.
        browser.post(
            "/account/password/",
            {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD},
        )

    logged = "\n".join(captured_logs.lines)
    # Session keys are the database's own lookup keys, so SQL statements name them; nothing else may.
    not_sql = "\n".join(line for line in captured_logs.lines if '"logger": "django.db.backends"' not in line)
    assert not [key for key in browser.session_keys if key in not_sql]
    assert len(captured_logs.lines) > 100, "the journey logged too little to prove anything"
    assert '"request_id"' in captured_logs.lines[0]
    leaked = sorted(s for s in browser.secrets - browser.session_keys if len(s) >= 6 and _appears(s, logged))
    assert leaked == [], f"secrets in the logs: {leaked}"
    grouped = "".join(f'<span class="group">{group}</span>' for group in created.context["secret_groups"])
    shown_once = {key_text, *codes, grouped}
    for response in browser.responses:
        body = response.content.decode("utf-8", "replace")
        if any(s in body for s in shown_once):
            assert "no-store" in response.get("Cache-Control", ""), response.request["PATH_INFO"]
