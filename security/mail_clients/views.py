"""Mail-app setup: the guides, the Apple profile download, Thunderbird autoconfig and Outlook autodiscover.

Autoconfig and autodiscover are anonymous, read no session and no database, and send public caching headers;
only the autodiscover POST is CSRF-exempt, because Outlook posts XML from outside any page. The profile download
is a signed-in POST behind ``@reauth_required``, like creating an app password, and its response is ``no-store``.
"""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseNotFound
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe
from ua_parser import parse as ua_parse

from portal.conf import portal_settings
from security.app_passwords import services as app_password_services
from security.client import USER_AGENT_MAX, Client
from security.reauth import reauth_required

from . import documents, services
from .forms import AppleProfileForm
from .guides import mail_guides_for
from .servers import mail_domain_for_address, mail_domain_for_host, mail_domains, mail_servers
from .signing import SigningNotConfigured, profile_signing_enabled

log = logging.getLogger("portal.security")

# Clients ask again when they set up an account; an hour keeps a settings change from lingering for long.
DISCOVERY_MAX_AGE = 3600
XML_CONTENT_TYPE = "application/xml; charset=utf-8"


def _discovery_response(content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=XML_CONTENT_TYPE)
    patch_cache_control(response, public=True, max_age=DISCOVERY_MAX_AGE)
    return response


def _not_ours() -> HttpResponse:
    response = HttpResponseNotFound(b"", content_type="text/plain")
    patch_cache_control(response, public=True, max_age=DISCOVERY_MAX_AGE)
    return response


@require_safe
def autoconfig(request):
    """Mozilla's config-v1.1.xml. Thunderbird asks ``autoconfig.<domain>/mail/config-v1.1.xml`` and
    ``<domain>/.well-known/autoconfig/mail/config-v1.1.xml``, with ``?emailaddress=``; without one, the host
    name says the domain."""
    address = request.GET.get("emailaddress")
    if address is not None:
        domain = mail_domain_for_address(address)
    else:
        domain = mail_domain_for_host(request.get_host(), prefix="autoconfig.")
    if domain is None:
        return _not_ours()
    return _discovery_response(
        documents.autoconfig_xml(
            domain=domain, domains=mail_domains(), servers=mail_servers(), display_name=portal_settings.site_name
        )
    )


@csrf_exempt  # Outlook posts XML from outside any page of ours; nothing here changes state or reads a session
@require_POST
def autodiscover(request):
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > documents.AUTODISCOVER_BODY_MAX:
        return HttpResponseBadRequest(b"", content_type="text/plain")
    try:
        address, schema = documents.autodiscover_request_parse(request.read(documents.AUTODISCOVER_BODY_MAX + 1))
    except documents.BadAutodiscoverRequest:
        return HttpResponseBadRequest(b"", content_type="text/plain")
    domain = mail_domain_for_address(address)
    if domain is None or (schema and schema != documents.AUTODISCOVER_OUTLOOK_NS):
        return _not_ours()
    return _discovery_response(
        documents.autodiscover_xml(
            address=address.strip().lower(), servers=mail_servers(), display_name=portal_settings.site_name
        )
    )


@login_required
def guides(request):
    """Every app's guide, for an app password made earlier."""
    return render(
        request,
        "security/mail_clients/guides.html",
        {"mail_guides": mail_guides_for(name=request.GET.get("app", "")[:64], login=request.user.email)},
    )


def _device_name(request) -> str:
    result = ua_parse(request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX])
    device = result.device.family if result.device else ""
    system = result.os.family if result.os else ""
    if device in ("iPhone", "iPad"):
        return device
    if system == "Mac OS X" or device == "Mac":
        return "Mac"
    return ""


@never_cache
@reauth_required
def apple_profile(request):
    form = AppleProfileForm(
        data=request.POST if request.method == "POST" else None, device_name=_device_name(request)
    )
    if request.method == "POST" and form.is_valid():
        try:
            profile = services.apple_profile_create(
                user=request.user,
                name=form.cleaned_data["name"],
                creation_key=form.cleaned_data["creation_key"],
                actor=request.user,
                client=Client.from_request(request),
            )
        except app_password_services.AppPasswordAlreadyCreated as error:
            messages.warning(request, error.message)
            return redirect("app_passwords:list")
        except app_password_services.AppPasswordError as error:
            form.add_error(None, error.message)
        except SigningNotConfigured:
            log.error("profile signing is misconfigured; no profile was made")
            form.add_error(
                None, _("Profiles cannot be made right now. Please try again later or contact the helpdesk.")
            )
        else:
            response = HttpResponse(profile.content, content_type=services.PROFILE_CONTENT_TYPE)
            response["Content-Disposition"] = f'attachment; filename="{profile.filename}"'
            return response
    status = 400 if form.errors else 200
    return render(
        request,
        "security/mail_clients/apple_profile.html",
        {"form": form, "signed": profile_signing_enabled(), "servers": mail_servers()},
        status=status,
    )
