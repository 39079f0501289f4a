"""One id per request, in every log line written while serving it and in the ``X-Request-ID`` response header.

A proxy in front may send its own id (nginx's ``$request_id``); it is kept when it looks like an id, so one request
can be followed from the proxy's log into ours. Anything else is replaced: the header is client input.
"""

import contextvars
import logging
import re
import time
import uuid

HEADER = "X-Request-ID"
_ACCEPTED = re.compile(r"[A-Za-z0-9._-]{8,64}")
_current = contextvars.ContextVar("request_id", default="-")
access_log = logging.getLogger("portal.request")


def current_request_id() -> str:
    return _current.get()


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record, so formatters can print it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get()
        return True


class RequestIdMiddleware:
    """First in the stack: everything below it, including errors, logs under the request's id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get(HEADER, "")
        request_id = offered if _ACCEPTED.fullmatch(offered) else uuid.uuid4().hex
        token = _current.set(request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[HEADER] = request_id
            where = _loggable_path(request)
            access_log.info(
                "%s %s %s",
                request.method,
                where,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": where,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
            return response
        finally:
            _current.reset(token)


def _loggable_path(request) -> str:
    """The URL pattern when one matched (``notifications/confirm/<str:token>/``), so a token in a link never reaches
    the log; the raw path, without its query string, when none did."""
    match = getattr(request, "resolver_match", None)
    return "/" + match.route if match is not None and match.route else request.path
