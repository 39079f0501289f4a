"""gunicorn runs no system checks: a worker refuses to load the portal when a fatal hazard is configured, with one
sentence in the log (portal/wsgi.py, portal/checks.py), and ``scripts/serve`` refuses before gunicorn starts.

gunicorn is started here exactly as ``scripts/serve`` ends (``gunicorn portal.wsgi``), but directly, so its own
``check --deploy`` does not refuse first.
"""

import http.client
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.servers.portal_node import PROJECT, Response, portal_node
from tests.servers.process import LOOPBACK, ServerProcess, free_port

pytestmark = pytest.mark.production

REFUSAL = (
    "The portal refuses to start: SMS gateway 'console' does not deliver SMS and is for development and tests only "
    "(phone.E001)."
)


def production_env(tmp: Path, **extra) -> dict:
    return {
        "DJANGO_SETTINGS_MODULE": "portal.settings.prod",
        "SECRET_KEY": "k" * 64,
        "ALLOWED_HOSTS": "localhost",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": f"sqlite:///{tmp / 'portal.sqlite3'}",
        **extra,
    }


def gunicorn(port: int) -> list[str]:
    return [str(Path(sys.prefix) / "bin" / "gunicorn"), "portal.wsgi", "--bind", f"{LOOPBACK}:{port}",
            "--workers", "1", "--error-logfile", "-", "--capture-output"]


def test_gunicorn_refuses_the_console_gateway_with_one_sentence(tmp_path):
    env = production_env(tmp_path, PORTAL_SMS_GATEWAY="console")
    started = time.monotonic()
    result = subprocess.run(gunicorn(free_port()), cwd=PROJECT, env={**_base_env(), **env}, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0, result.stderr
    assert REFUSAL in result.stderr
    assert "Worker failed to boot" in result.stderr
    assert time.monotonic() - started < 60


def test_gunicorn_serves_when_the_deployer_accepts_the_finding(tmp_path):
    """The same start with the finding silenced, as make serve's demo does: the worker boots and answers."""
    port = free_port()
    env = production_env(tmp_path, PORTAL_SMS_GATEWAY="console", PORTAL_SILENCED_SYSTEM_CHECKS="phone.E001")
    server = ServerProcess(gunicorn(port), port=port, log=tmp_path / "gunicorn.log", env=env, timeout=60)
    server.env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    with server:
        response = _get(port, "/health/")  # the worker loaded the portal (no tables yet: "down")
        assert response.status in (200, 503)
    assert REFUSAL not in server.log_text()


def test_scripts_serve_refuses_before_gunicorn(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}", "PORTAL_SERVE_DEMO": "false",
           "PORTAL_SMS_GATEWAY": "console"}
    node = portal_node(tmp_path, name="refused", env=env)
    with pytest.raises(RuntimeError, match="did not start"):
        node.__enter__()
    log = node.log_text()
    assert "phone.E001" in log and "Serving http://" not in log


def _base_env() -> dict:
    # The test process allows sync ORM calls under Playwright's loop; a deployed node never would (async.E001).
    return {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}


def _get(port: int, path: str) -> Response:
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
    connection.request("GET", path, headers={"Host": "localhost"})
    response = Response(connection.getresponse())
    connection.close()
    return response
