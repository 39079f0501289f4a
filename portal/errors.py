"""The server-error page, which never depends on the part that failed.

When the database or the shared cache (Redis) is unreachable, the request fails closed: nothing is counted,
checked or written half-way (each service runs in one transaction), and the user gets a translated "try again
shortly" with status 503 and ``Retry-After``. Any other unexpected error gets the same standalone page with 500.
Both show the request id, which the helpdesk can find in the logs.
"""

import logging
import sys

import redis.exceptions
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils.translation import gettext as _

from portal.request_id import current_request_id

logger = logging.getLogger("portal.errors")

# What an unreachable database or Redis raises. A programming error (a bad query) is not among them.
UNAVAILABLE = (OperationalError, InterfaceError, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def server_error(request):
    """``handler500``. Django calls it inside its ``except`` block, so the exception is still at hand."""
    exception = sys.exc_info()[1]
    if isinstance(exception, UNAVAILABLE):
        logger.error("A backing service is unreachable: %s", type(exception).__name__)
        status, title = 503, _("Temporarily unavailable")
        message = _("The service is briefly unavailable. Nothing was changed. Please try again in a minute.")
    else:
        status, title = 500, _("Something went wrong")
        message = _("Your request could not be completed, and nothing was changed. Please try again.")
    # Standalone on purpose: base.html reads the signed-in user, and what stores users may be what is down.
    body = loader.get_template("unavailable.html").render(
        {"title": title, "message": message, "request_id": current_request_id()}
    )
    response = HttpResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    if status == 503:
        response["Retry-After"] = "30"
    return response
