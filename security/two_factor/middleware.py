"""After a helpdesk reset with "require setup", the user must turn two-step verification on again before using
anything else in the portal. The flag clears itself when a strong factor is enrolled (``two_step_sync``); the pages
that enrol one are named by the method registry (``enrol_view``)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from .methods import enrol_views

ALLOWED_VIEWS = {
    "security:reauth",
    "accounts:sign_out",
    "accounts:set_language",
}


class TwoStepSetupRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.two_step_setup_required and not user.two_step_enabled:
            try:
                view_name = resolve(request.path_info).view_name
            except Resolver404:
                return self.get_response(request)
            if view_name not in ALLOWED_VIEWS and view_name not in enrol_views():
                messages.info(request, _("Set up two-step verification to continue. The helpdesk asked for it."))
                return redirect("two_factor:setup")
        return self.get_response(request)
