"""The Security overview and the activity page: they show every feature, so they sit above all of them."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from security.mail_policy.selectors import mail_uses_for

from .selectors import security_events_recent_for, security_overview_for

ACTIVITY_PAGE_SIZE = 50


@login_required
def overview(request):
    return render(request, "security/overview.html", security_overview_for(user=request.user))


@login_required
def activity(request):
    events = security_events_recent_for(user=request.user, limit=ACTIVITY_PAGE_SIZE)
    return render(request, "security/activity.html", {"events": events, "mail_uses": mail_uses_for(user=request.user)})
