"""The portal as a deployer serves it: ``scripts/serve`` (gunicorn, production settings), and a small HTTP client
that signs in over the wire.

The client keeps its own cookies because the production cookies are ``Secure``: a standard cookie jar would never
send them to ``http://127.0.0.1``, where the proxy's ``X-Forwarded-Proto: https`` stands in for TLS.
"""

import http.client
import json
import re
import sys
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from tests.servers.process import LOOPBACK, ServerProcess, free_port

PROJECT = Path(__file__).resolve().parents[2]
_CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def portal_node(tmp: Path, *, name: str, env: dict | None = None) -> ServerProcess:
    """``scripts/serve`` on a free loopback port. ``env`` adds to (or overrides) what a deployer would set."""
    port = free_port()
    node_env = {
        "VENV": sys.prefix,
        "PORTAL_SERVE_BIND": f"{LOOPBACK}:{port}",
        "PORTAL_SERVE_SECRET_KEY_FILE": str(tmp / "secret-key"),
        "PORTAL_SERVE_WORKERS": "2",
        # pytest's own settings module must not leak into the node.
        "DJANGO_SETTINGS_MODULE": "",
        **(env or {}),
    }
    server = ServerProcess([str(PROJECT / "scripts" / "serve")], port=port, log=tmp / f"{name}.log", env=node_env,
                           timeout=180)
    # The test process allows sync ORM calls under Playwright's loop; a deployed node never would.
    server.env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    server.base = f"http://{LOOPBACK}:{port}"
    return server


class Response:
    def __init__(self, raw: http.client.HTTPResponse):
        self.status = raw.status
        self.headers = raw.headers
        self.body = raw.read().decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)


class WebClient:
    """One browser: its cookies, and the proxy's headers on every request."""

    def __init__(self, server: ServerProcess, *, language: str = "en"):
        self.port = server.port
        self.language = language
        self.cookies: dict[str, str] = {}
        self.set_cookie_headers: list[str] = []

    def request(self, method: str, path: str, *, form: dict | None = None, headers: dict | None = None) -> Response:
        connection = http.client.HTTPConnection(LOOPBACK, self.port, timeout=30)
        body = urlencode(form) if form is not None else None
        all_headers = {
            "Host": "localhost",
            "X-Forwarded-Proto": "https",
            "Accept-Language": self.language,
            **({"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}),
            **({"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://localhost",
                "Referer": f"https://localhost{path}"} if form is not None else {}),
            **(headers or {}),
        }
        connection.request(method, path, body=body, headers=all_headers)
        response = Response(connection.getresponse())
        connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            self.set_cookie_headers.append(header)
            for morsel in SimpleCookie(header).values():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(morsel.key, None)
                else:
                    self.cookies[morsel.key] = morsel.value
        return response

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post_form(self, path: str, data: dict) -> Response:
        """GET the page for its CSRF token, then POST the form as a browser would."""
        page = self.get(path)
        token = _CSRF_FIELD.search(page.body)
        assert token, f"no CSRF token on {path} ({page.status})"
        return self.request("POST", path, form={"csrfmiddlewaretoken": token.group(1), **data})

    def sign_in(self, address: str, password: str) -> Response:
        return self.post_form("/account/sign-in/", {"username": address, "password": password})
