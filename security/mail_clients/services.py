"""Making an Apple configuration profile that carries a new app password.

Invariants:
- The profile's app password is made by ``app_passwords.services.app_password_create``, so it follows every rule
  of a hand-made one (limit, name rules, double submit) and records the same event and notification.
- The plaintext lives only in the returned bytes: the view sends them in one ``no-store`` response and they are
  never stored, logged or cached.
"""

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from portal.conf import portal_settings
from security.app_passwords import services as app_password_services
from security.app_passwords.models import Scope
from security.client import Client

from .documents import apple_profile_plist
from .servers import domain_normalize, mail_servers
from .signing import SigningNotConfigured, profile_signer

PROFILE_CONTENT_TYPE = "application/x-apple-aspen-config"


@dataclass(frozen=True)
class AppleProfile:
    content: bytes
    filename: str
    signed: bool
    app_password_id: int

    def __repr__(self):  # the content carries the secret
        return f"AppleProfile(app_password={self.app_password_id}, signed={self.signed})"


def _reverse_dns(address: str) -> str:
    domain = domain_normalize(address.rpartition("@")[2]) or "mail"
    return ".".join(reversed(domain.split(".")))


@transaction.atomic  # a signing failure after the app password was made leaves no app password behind
def apple_profile_create(*, user: User, name: str, creation_key: str, actor: User, client: Client) -> AppleProfile:
    """Raises ``app_passwords.services.AppPasswordError`` (and its subclasses) as creating an app password does."""
    signer = profile_signer()  # a broken signing setup fails before any app password exists
    servers = mail_servers()
    created = app_password_services.app_password_create(
        user=user, name=name, scope=Scope.ALL, creation_key=creation_key, actor=actor, client=client
    )
    address = user.email
    site = portal_settings.site_name
    plist = apple_profile_plist(
        address=address,
        account_name=user.full_name or address,
        secret=created.secret,
        servers=servers,
        organization=site,
        display_name=_("%(site)s mail: %(address)s") % {"site": site, "address": address},
        description=_(
            "Sets up the mail account %(address)s with its own app password “%(name)s”. Remove the profile or "
            "revoke the app password to disconnect it."
        )
        % {"address": address, "name": created.app_password.name},
        identifier=f"{_reverse_dns(address)}.mail-profile.{created.app_password.pk}",
    )
    try:
        content = signer.sign(plist) if signer else plist
    except (ValueError, TypeError) as error:  # e.g. a key type the signer refuses: undo the app password
        raise SigningNotConfigured(f"The profile could not be signed: {error}") from None
    domain = re.sub(r"[^a-z0-9.-]", "", domain_normalize(address.rpartition("@")[2])) or "mail"
    filename = f"{domain}-mail.mobileconfig"
    return AppleProfile(
        content=content, filename=filename, signed=signer is not None, app_password_id=created.app_password.pk
    )
