"""App-password pages. The plaintext is rendered into one response (``no-store``) and nowhere else."""

import logging
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from security.client import Client
from security.confirmation import Confirmation, confirmation_page, destroy_confirmed
from security.reauth import reauth_required

from . import services
from .forms import AppPasswordCreateForm
from .selectors import (
    app_password_active_count,
    app_password_active_for,
    app_password_list_for,
    app_password_revoke_consequences,
    app_passwords_revoke_all_consequences,
    mail_client_settings,
)
from .tokens import token_groups

# What other apps add to the page that shows a new app password: functions of (app_password, login) returning
# template context. mail_clients adds its per-app setup guides. Registered from their AppConfig.ready, so this app
# (below them) never imports them.
_CREATED_PAGE_EXTRAS: dict[str, Callable[..., dict]] = {}


def created_page_extra_register(name: str, build: Callable[..., dict]) -> None:
    _CREATED_PAGE_EXTRAS[name] = build


log = logging.getLogger("portal.security")


@login_required
def app_password_list(request):
    return render(
        request,
        "security/app_passwords/list.html",
        {
            "app_passwords": app_password_list_for(user=request.user),
            "active_count": app_password_active_count(user=request.user),
        },
    )


@never_cache
@reauth_required
def app_password_create(request):
    form = AppPasswordCreateForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.app_password_create(
                user=request.user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_at=form.expires_at(),
                creation_key=form.cleaned_data["creation_key"],
                actor=request.user,
                client=Client.from_request(request),
            )
        except services.AppPasswordAlreadyCreated as error:
            messages.warning(request, error.message)
            return redirect("app_passwords:list")
        except services.AppPasswordError as error:
            form.add_error(error.field, error.message)
        else:
            context = {
                "app_password": created.app_password,
                "secret": created.secret,
                "secret_groups": token_groups(created.secret),
                "mail_settings": mail_client_settings(),
                "login": request.user.email,
            }
            for extra in _CREATED_PAGE_EXTRAS.values():
                context.update(extra(app_password=created.app_password, login=request.user.email))
            return render(request, "security/app_passwords/created.html", context)
    status = 400 if form.errors else 200
    return render(request, "security/app_passwords/create.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def app_password_revoke(request, app_password_id: int):
    """GET (or a POST without the confirmation field) asks first; only the confirmation page's POST revokes."""
    if not destroy_confirmed(request):
        app_password = app_password_active_for(user=request.user, app_password_id=app_password_id)
        if app_password is None:
            raise Http404
        return confirmation_page(
            request,
            Confirmation(
                title=_("Revoke “%(name)s”?") % {"name": app_password.name},
                consequences=app_password_revoke_consequences(app_password=app_password),
                button=_("Revoke this app password"),
                cancel_url=reverse("app_passwords:list"),
            ),
        )
    try:
        app_password = services.app_password_revoke(
            user=request.user,
            app_password_id=app_password_id,
            actor=request.user,
            client=Client.from_request(request),
        )
    except services.AppPasswordNotFound:
        log.warning(
            "app password revoke refused: user=%s id=%s not theirs or missing",
            request.user.pk,
            app_password_id,
        )
        raise Http404 from None
    messages.success(
        request,
        _("“%(name)s” was revoked. Apps using it can no longer sign in.") % {"name": app_password.name},
    )
    return redirect("app_passwords:list")


@require_http_methods(["GET", "POST"])
@login_required
def app_passwords_revoke_all(request):
    if not destroy_confirmed(request):
        if not app_password_active_count(user=request.user):
            return redirect("app_passwords:list")
        return confirmation_page(
            request,
            Confirmation(
                title=_("Revoke all app passwords?"),
                consequences=app_passwords_revoke_all_consequences(user=request.user),
                keeps=[_("Signing in to this site with your account password keeps working.")],
                button=_("Revoke all app passwords"),
                cancel_url=reverse("app_passwords:list"),
            ),
        )
    count = services.app_passwords_revoke_all(
        user=request.user, actor=request.user, client=Client.from_request(request)
    )
    messages.success(
        request,
        ngettext("%(count)d app password was revoked.", "%(count)d app passwords were revoked.", count)
        % {"count": count},
    )
    return redirect("app_passwords:list")
