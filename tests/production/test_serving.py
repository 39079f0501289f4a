"""`make serve`: the production settings under gunicorn, as a deployer first meets them (issue: production).

One node is started with ``scripts/serve``, exactly as ``make serve`` starts it, on its own SQLite file and with
the demo account; the tests talk HTTP to it through loopback as a TLS proxy would.
"""

import json
import re

import pytest

from accounts.management.commands.create_demo_user import DEMO_ADDRESS, DEMO_PASSWORD
from tests.servers.portal_node import WebClient, portal_node

pytestmark = pytest.mark.production


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve")
    env = {"DATABASE_URL": f"sqlite:///{tmp / 'portal.sqlite3'}", "PORTAL_SERVE_DEMO": "true"}
    with portal_node(tmp, name="serve", env=env) as server:
        yield server


def log_records(node) -> list[dict]:
    """Every JSON line the node wrote (gunicorn's own start-up lines are plain text and skipped)."""
    records = []
    for line in node.log_text().splitlines():
        if line.startswith("{"):
            records.append(json.loads(line))
    return records


def test_health_says_up_and_nothing_else(node):
    client = WebClient(node)
    response = client.get("/health/", headers={"X-Forwarded-Proto": "http"})  # a load balancer, no TLS
    assert response.status == 200
    assert response.json() == {"status": "up"}
    assert "no-cache" in response.headers["Cache-Control"]
    assert client.set_cookie_headers == []


def test_pages_carry_the_production_headers(node):
    client = WebClient(node)
    response = client.get("/account/sign-in/")
    assert response.status == 200
    csp = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    hsts = dict(
        item.strip().split("=", 1) if "=" in item else (item.strip(), "") for item in
        response.headers["Strict-Transport-Security"].split(";")
    )
    assert int(hsts["max-age"]) >= 31536000 and "includeSubDomains" in hsts
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] in {"same-origin", "strict-origin-when-cross-origin", "no-referrer"}
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])
    (csrf_cookie,) = [c for c in client.set_cookie_headers if c.startswith("__Host-csrftoken=")]
    assert "Secure" in csrf_cookie and "Path=/" in csrf_cookie and "Domain" not in csrf_cookie


def test_plain_http_is_sent_to_https_by_default_only_when_asked(node):
    # scripts/serve turns the redirect off (no proxy on one machine); a deployer behind a proxy keeps it on.
    response = WebClient(node).get("/account/sign-in/", headers={"X-Forwarded-Proto": "http"})
    assert response.status == 200


def test_static_files_have_hashed_names_and_long_cache(node):
    client = WebClient(node)
    page = client.get("/account/sign-in/")
    stylesheet = re.search(r'href="(/static/css/portal\.[0-9a-f]{12}\.css)"', page.body)
    assert stylesheet, "the stylesheet is not served under a hashed name"
    response = client.get(stylesheet.group(1))
    assert response.status == 200
    assert "max-age=315360000" in response.headers["Cache-Control"]
    assert "immutable" in response.headers["Cache-Control"]


def test_demo_sign_in_sets_host_only_session_cookie_and_logs_json_with_request_id(node):
    client = WebClient(node)
    response = client.sign_in(DEMO_ADDRESS, DEMO_PASSWORD)
    assert response.status == 302 and response.headers["Location"] == "/"
    (session_cookie,) = [c for c in client.set_cookie_headers if c.startswith("__Host-sessionid=")]
    assert "Secure" in session_cookie and "HttpOnly" in session_cookie and "Domain" not in session_cookie
    overview = client.get("/")
    assert overview.status == 200 and DEMO_ADDRESS in overview.body

    request_id = overview.headers["X-Request-ID"]
    lines = [r for r in log_records(node) if r.get("request_id") == request_id]
    assert lines, "no JSON log line carries the request's id"
    access = [r for r in lines if r["logger"] == "portal.request"]
    assert access and access[0]["status"] == 200 and access[0]["path"] == "/"
    # The password typed at sign-in, and the session, are in no log line (start-up printed the demo login).
    text = node.log_text().split("Serving http://", 1)[1]
    assert DEMO_PASSWORD not in text
    assert client.cookies["__Host-sessionid"] not in text


def test_a_proxy_request_id_is_kept_and_junk_is_replaced(node):
    client = WebClient(node)
    kept = client.get("/account/sign-in/", headers={"X-Request-ID": "nginx-3f2a9c1d7e"})
    assert kept.headers["X-Request-ID"] == "nginx-3f2a9c1d7e"
    replaced = client.get("/account/sign-in/", headers={"X-Request-ID": "x\"}, {\"level\": \"forged"})
    assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["X-Request-ID"])


def test_a_token_in_a_link_is_logged_as_its_pattern(node):
    WebClient(node).get("/notifications/confirm/secret-link-token-1234567890/")
    paths = [r.get("path", "") for r in log_records(node) if r.get("logger") == "portal.request"]
    assert "/notifications/confirm/<str:token>/" in paths
    assert "secret-link-token-1234567890" not in node.log_text()
