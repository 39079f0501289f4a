"""The portal's URLs plus two minimal views, for bench/web_load.py only (never in the product's URL conf)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path

from portal.urls import handler500  # noqa: F401
from portal.urls import urlpatterns as portal_urlpatterns


def minimal(request):
    """Nothing but the middleware stack: no session is loaded without a cookie, no template, no query."""
    return HttpResponse(b"ok", content_type="text/plain")


@login_required
def minimal_signed_in(request):
    """The same, for a signed-in session: what loading the session and the user costs every signed-in page."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("bench/minimal/", minimal),
    path("bench/minimal-signed-in/", minimal_signed_in),
    *portal_urlpatterns,
]
