"""``/health/``: is this web node able to serve? For load balancers and monitoring.

django-health-check runs the probes (database, cache, and the two views Dovecot reads). The public answer is only
``up`` or ``down``: which part failed, and why, goes to the log, where operators look, not to whoever asks.
"""

import dataclasses

from django.db import Error as DatabaseError
from django.db import connection
from django.http import JsonResponse
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
    checks = (Database, Cache, MailServerViews)

    def render_to_response(self, context, **response_kwargs):
        return self._up_or_down()

    def render_to_response_json(self, status):
        return self._up_or_down()

    def render_to_response_text(self, status):
        return self._up_or_down()

    def render_to_response_openmetrics(self):
        return self._up_or_down()

    def render_to_response_atom(self):
        return self._up_or_down()

    def render_to_response_rss(self):
        return self._up_or_down()

    def _up_or_down(self):
        down = any(result.error for result in self.results)
        return JsonResponse({"status": "down" if down else "up"}, status=503 if down else 200)
