from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from security.forms import ReauthPasswordForm
from security.reauth import reauth_mark_fresh
from security.selectors import security_events_recent_for, security_overview_for

ACTIVITY_PAGE_SIZE = 50


@login_required
def overview(request):
    return render(request, "security/overview.html", security_overview_for(user=request.user))


@login_required
def activity(request):
    events = security_events_recent_for(user=request.user, limit=ACTIVITY_PAGE_SIZE)
    return render(request, "security/activity.html", {"events": events})


@sensitive_post_parameters()
@login_required
@never_cache
def reauth(request):
    """Confirm it's you before a sensitive action. With two-step on, the two_factor app asks for a code instead."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    form = ReauthPasswordForm(request.user, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        reauth_mark_fresh(request, method="password")
        return redirect(next_url)
    status = 400 if form.errors else 200
    return render(request, "security/reauth.html", {"form": form, "next": next_url}, status=status)
