from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from security.client import Client
from security.forms import NotificationAddressForm
from security.models import NotificationAddress
from security.reauth import reauth_required
from security.services import notification_address as notification_address_services


@reauth_required
@never_cache
def notification_settings(request):
    current = NotificationAddress.objects.filter(user=request.user).first()
    form = NotificationAddressForm(request.user, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        notification_address_services.notification_address_set(
            user=request.user,
            address=form.cleaned_data["address"],
            client=Client.from_request(request),
            base_url=request.build_absolute_uri("/")[:-1],
        )
        messages.success(
            request, _("We sent a confirmation link to that address. Alerts go there once it is confirmed.")
        )
        return redirect("security:notifications")
    status = 400 if form.errors else 200
    return render(request, "security/notifications.html", {"form": form, "current": current}, status=status)


@require_POST
@reauth_required
def notification_address_remove(request):
    notification_address_services.notification_address_remove(user=request.user, client=Client.from_request(request))
    messages.success(request, _("The second notification address was removed."))
    return redirect("security:notifications")


@never_cache
def notification_address_confirm(request, token):
    """The link from the e-mail shows a button; only the POST changes anything (docs/security.md item 38)."""
    try:
        record = notification_address_services.notification_address_pending_for(token=token)
        if request.method == "POST":
            notification_address_services.notification_address_confirm(token=token, client=Client.from_request(request))
            return render(request, "security/notification_address_confirm.html", {"record": record, "done": True})
    except notification_address_services.ConfirmationInvalid:
        return render(request, "security/notification_address_confirm.html", {"invalid": True}, status=400)
    return render(request, "security/notification_address_confirm.html", {"record": record})
