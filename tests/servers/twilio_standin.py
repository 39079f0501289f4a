"""A stand-in for Twilio's REST API (Messages resource) on loopback, for testing the real ``twilio`` SDK.

It answers as Twilio documents for its test credentials: ``From`` must be +15005550006 (or a Messaging Service
SID ``MG...``), and these ``To`` numbers fail with Twilio's error JSON (``code``, ``message``, ``more_info``,
``status``): +15005550001 21211, +15005550002 21612, +15005550003 21408, +15005550004 21610, +15005550009
21614. Other numbers get a 201 with a message resource. ``delay`` makes every answer late (client timeouts);
``force_status`` makes every answer that HTTP error (5xx). Every request is kept in ``requests`` for
assertions.
"""

import base64
import json
import secrets
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from tests.servers.process import LOOPBACK

TEST_FROM = "+15005550006"
TEST_ERRORS = {
    "+15005550001": (21211, "The 'To' number {to} is not a valid phone number."),
    "+15005550002": (
        21612,
        "The 'To' phone number: {to}, is not currently reachable using the 'From' phone number.",
    ),
    "+15005550003": (
        21408,
        "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: {to}.",
    ),
    "+15005550004": (21610, "Attempt to send to unsubscribed recipient"),
    "+15005550009": (21614, "'To' number is not a valid mobile number"),
}


def _error(code: int, message: str, status: int = 400) -> tuple[int, dict]:
    return status, {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


class TwilioStandin:
    def __init__(self, *, account_sid: str = "AC" + "0" * 32, auth_token: str = "test-auth-token"):  # noqa: S107
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.delay = 0.0
        self.force_status: int | None = None
        self.requests: list[dict] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                standin.requests.append(
                    {"path": self.path, "form": form, "auth": self.headers.get("Authorization")}
                )
                if standin.delay:
                    time.sleep(standin.delay)
                status, body = standin.answer(self.path, form, self.headers.get("Authorization") or "")
                payload = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                    pass

        self._server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def answer(self, path: str, form: dict, authorization: str) -> tuple[int, dict]:
        if self.force_status:
            return _error(20500, "Internal Server Error", self.force_status)
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if authorization != expected:
            return _error(20003, "Authenticate", 401)
        if path != f"/2010-04-01/Accounts/{self.account_sid}/Messages.json":
            return _error(20404, "The requested resource was not found", 404)
        to, sender, service = form.get("To", ""), form.get("From"), form.get("MessagingServiceSid")
        if not form.get("Body"):
            return _error(21602, "Message body is required.")
        if service is None and sender != TEST_FROM:
            return _error(
                21606,
                f"The From phone number {sender} is not a valid, SMS-capable inbound phone number "
                "or short code for your account.",
            )
        if service is not None and not service.startswith("MG"):
            return _error(21701, "The Messaging Service Sid is invalid.")
        if to in TEST_ERRORS:
            code, message = TEST_ERRORS[to]
            return _error(code, message.format(to=to))
        sid = "SM" + secrets.token_hex(16)
        now = formatdate(usegmt=True)
        return 201, {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": form["Body"],
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": sender,
            "messaging_service_sid": service,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "accepted" if service else "queued",
            "subresource_uris": {
                "media": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}/Media.json"
            },
            "to": to,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
        }
