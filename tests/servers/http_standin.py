"""A threaded HTTP server on loopback for provider stand-ins (Aliyun, Tencent Cloud): records every request,
and can answer late (client timeouts), with a forced status (5xx) or with a garbled body.

A subclass implements ``answer(request) -> (status, content_type, body_bytes)``.
"""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.servers.process import LOOPBACK

GARBAGE = b"<html><body>502 Bad Gateway</body></html> {not json"


class HttpStandin:
    def __init__(self):
        self.delay = 0.0
        self.force_status: int | None = None  # answer every request with this status (and a non-JSON body)
        self.garbage = False  # answer 200 with a body that is not the provider's JSON
        self.requests: list[dict] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def answer(self, request: dict) -> tuple[int, str, bytes]:
        raise NotImplementedError

    def __enter__(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                request = {
                    "method": self.command,
                    "path": self.path,
                    "headers": {name.lower(): value for name, value in self.headers.items()},
                    "body": self.rfile.read(length) if length else b"",
                }
                standin.requests.append(request)
                if standin.delay:
                    time.sleep(standin.delay)
                if standin.force_status:
                    status, content_type, payload = standin.force_status, "text/html", GARBAGE
                elif standin.garbage:
                    status, content_type, payload = 200, "application/json", GARBAGE
                else:
                    status, content_type, payload = standin.answer(request)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                    pass

            do_GET = _handle
            do_POST = _handle

        self._server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
