"""``/health/``: is this web node able to serve? For load balancers and monitoring.

django-health-check runs the probes (database, cache, and the two views Dovecot reads). The public answer is only
``up`` or ``down``: which part failed, and why, goes to the log, where operators look, not to whoever asks.
"""

import asyncio
import dataclasses
from concurrent.futures import ThreadPoolExecutor

from django.db import Error as DatabaseError
from django.db import connection
from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views import View
from health_check.base import HealthCheck
from health_check.checks import Cache, Database
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

MAIL_SERVER_VIEWS = ("mail_accounts", "mail_app_passwords")


@dataclasses.dataclass
class MailServerViews(HealthCheck):
    """The views of the mail-server contract exist and answer (a failed migration would leave Dovecot blind)."""

    def run(self):
        try:
            with connection.temporary_connection() as cursor:
                for view in MAIL_SERVER_VIEWS:
                    cursor.execute(f"SELECT login FROM {view} WHERE 1 = 0")  # noqa: S608 (fixed names)
                    cursor.fetchall()
        except DatabaseError as error:
            raise ServiceUnavailable(f"mail-server views: {type(error).__name__}") from error


class HealthView(HealthCheckView):
    """Runs django-health-check's probes and answers only up or down, whatever format is asked for.

    Synchronous on purpose, with the probes on their own event loop in a worker thread: gunicorn's sync workers
    then need no async machinery, and a caller that already runs an event loop in its thread still gets an answer.
    """

    checks = (Database, Cache, MailServerViews)

    def dispatch(self, request, *args, **kwargs):
        return View.dispatch(self, request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        async def probe():
            return await asyncio.gather(*(check.get_result() for check in self.get_checks()))

        with ThreadPoolExecutor(max_workers=1) as worker:
            results = worker.submit(asyncio.run, probe()).result()
        down = any(result.error for result in results)
        response = JsonResponse({"status": "down" if down else "up"}, status=503 if down else 200)
        add_never_cache_headers(response)
        return response
