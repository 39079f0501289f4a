"""The Security overview and the activity page: they show every feature, so they sit above all of them."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from security.forms import ActivityFilterForm
from security.mail_policy.selectors import mail_uses_for

from .selectors import security_events_recent_for, security_overview_for

ACTIVITY_PAGE_SIZE = 50


@login_required
def overview(request):
    return render(request, "security/overview.html", security_overview_for(user=request.user))


@login_required
def activity(request):
    form = ActivityFilterForm(data=request.GET or None)
    kind = form.cleaned_data["kind"] if form.is_valid() else ""
    events = security_events_recent_for(user=request.user, limit=ACTIVITY_PAGE_SIZE, kind=kind)
    context = {"events": events, "form": form, "kind": kind, "mail_uses": mail_uses_for(user=request.user)}
    return render(request, "security/activity.html", context, status=400 if form.errors else 200)
