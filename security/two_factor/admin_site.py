"""The Django admin requires a verified second factor: staff pass the second step before it opens.

The default ``admin.site`` is this django-otp ``OTPAdminSite`` (``portal.apps.PortalAdminConfig.default_site``):
``has_permission`` also needs ``request.user.is_verified()``, which is true only in a session that passed our
second step (``django_otp.login``).
Instead of django-otp's combined login form, staff are sent through the portal's own pages: to sign in, to confirm
with a code if this session has not, or to set up two-step verification if they have no device yet.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import user_has_device
from django_otp.admin import OTPAdminSite

from portal.http import safe_redirect


class PortalOTPAdminSite(OTPAdminSite):
    def login(self, request, extra_context=None):
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        if not request.user.is_authenticated:
            return redirect(f"{reverse('accounts:sign_in')}?{urlencode({'next': next_url})}")
        if self.has_permission(request):
            return safe_redirect(next_url, reverse("admin:index", current_app=self.name))
        if not request.user.is_staff:
            return redirect("security:overview")
        if not user_has_device(request.user):
            messages.info(request, _("Staff must turn on two-step verification before using the helpdesk."))
            return redirect("two_factor:setup")
        return redirect(f"{reverse('security:reauth')}?{urlencode({'next': next_url})}")

