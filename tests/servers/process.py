"""Start a server process for a test and always stop it, even when the test fails.

Later layers (Dovecot, Postfix, an SMTP sink, a Twilio stand-in) build on ``free_port`` and ``ServerProcess``.
Everything binds to 127.0.0.1.
"""

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, *, timeout: float = 15.0, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before listening on {port}")
        with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, port), timeout=0.5):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listened on {LOOPBACK}:{port} within {timeout}s")


class ServerProcess:
    """A foreground daemon in its own process group: ``with ServerProcess([...], port=p, log=path) as server:``."""

    def __init__(self, argv: list[str], *, port: int, log: Path, env: dict | None = None, timeout: float = 15.0):
        self.argv, self.port, self.log, self.timeout = argv, port, Path(log), timeout
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "ServerProcess":
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = self.log.open("ab")
        self.process = subprocess.Popen(
            self.argv, stdout=self._log_file, stderr=subprocess.STDOUT, env=self.env, start_new_session=True
        )
        try:
            wait_for_port(self.port, timeout=self.timeout, process=self.process)
        except BaseException:
            self.stop()
            raise RuntimeError(f"{self.argv[0]} did not start; log:\n{self.log_text()}") from None
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            self._close_log()
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self._close_log()

    def _close_log(self) -> None:
        with contextlib.suppress(AttributeError):
            self._log_file.close()
