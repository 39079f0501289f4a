"""Creating and revoking app passwords (docs/security.md items 21-25).

Invariants:
- A plaintext app password exists only in the return value of ``app_password_create``. It is never
  stored, logged, put in a session, a URL or an event; only its SHA-256 is saved.
- Every write runs in ``transaction.atomic()`` with the user row locked (``select_for_update``), so two racing
  requests cannot exceed ``PORTAL_APP_PASSWORDS_MAX_ACTIVE``, and a form submitted twice (same
  ``creation_key``) creates one app password.
- Revoking sets ``revoked_at``; the ``mail_app_passwords`` view drops the row at once, so the next SMTP AUTH
  fails.
- Revoking an id that is not the user's raises ``AppPasswordNotFound`` and records ``REVOKE_DENIED``.
- Every change records a security event and notifies the user.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services.users import user_lock
from security.audit import security_event_record
from security.client import Client
from security.errors import Refused
from security.names import name_clean

from . import events
from .models import NAME_MAX_LENGTH, AppPassword, MailService, MailSiteOption, Scope
from .scopes import scope_service_pairs
from .tokens import token_generate, token_sha256


class AppPasswordError(Refused):
    """A rule refused the action (``security.errors``: ``message`` is the translated sentence); ``field`` is the
    form field it is about (``None``: the whole form), so a page can show it under that field."""

    code = "app_password_refused"

    def __init__(self, message, *, field: str | None = None):
        super().__init__(message)
        self.field = field


class AppPasswordLimitReached(AppPasswordError):
    code = "limit_reached"


class AppPasswordAlreadyCreated(AppPasswordError):
    """The same form was submitted again; the app password it made was shown to the first submission only."""

    code = "already_created"


class AppPasswordNotFound(AppPasswordError):
    code = "not_found"
    status = 404


@dataclass(frozen=True)
class CreatedAppPassword:
    app_password: AppPassword
    secret: str  # shown once, then forgotten

    def __repr__(self):  # keeps the secret out of tracebacks and debug output
        return f"CreatedAppPassword(app_password={self.app_password.pk})"


def app_password_name_clean(name: str) -> str:
    """The one name rule (security/names.py), for every caller: the form, the command, other services."""
    if not (name or "").strip():
        raise AppPasswordError(
            _("Give the app password a name, such as the app or device that will use it."), field="name"
        )
    try:
        return name_clean(name, max_length=NAME_MAX_LENGTH)
    except ValidationError as error:
        raise AppPasswordError(" ".join(error.messages), field="name") from None


@transaction.atomic
def app_password_create(
    *,
    user: User,
    name: str,
    scope: str,
    expires_at: datetime | None = None,
    creation_key: str = "",
    actor: User | None,
    client: Client,
) -> CreatedAppPassword:
    name = app_password_name_clean(name)
    if scope not in Scope.values:
        raise AppPasswordError(_("Choose what the app password may be used for."), field="scope")
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise AppPasswordError(_("The expiry date must be in the future."), field="expires_in_days")
    user = user_lock(user.pk)
    if creation_key and AppPassword.objects.filter(user=user, creation_key=creation_key).exists():
        raise AppPasswordAlreadyCreated(
            _(
                "This form was already submitted and its app password was shown once. If you did not see it, "
                "revoke it and create a new one."
            )
        )
    limit = settings.PORTAL_APP_PASSWORDS_MAX_ACTIVE
    if AppPassword.objects.filter(user=user).active(now=now).count() >= limit:
        raise AppPasswordLimitReached(
            _("You already have %(limit)d active app passwords. Revoke one you no longer use first.") % {"limit": limit}
        )
    secret = token_generate()
    app_password = AppPassword.objects.create(
        user=user,
        name=name,
        scope=scope,
        expires_at=expires_at,
        token_sha256=token_sha256(secret),
        creation_key=creation_key,
        created_at=now,
    )
    security_event_record(
        user=user,
        actor=actor,
        kind=events.CREATED,
        client=client,
        details={"name": name, "app_password_id": app_password.pk, "scope": scope},
        notify=True,
    )
    return CreatedAppPassword(app_password=app_password, secret=secret)


def app_password_revoke(*, user: User, app_password_id: int, actor: User | None, client: Client) -> AppPassword:
    app_password = _app_password_revoke(user=user, app_password_id=app_password_id, actor=actor, client=client)
    if app_password is None:
        # Recorded outside the (rolled back) revoke transaction, on the account that asked.
        security_event_record(
            user=actor or user,
            actor=actor,
            kind=events.REVOKE_DENIED,
            client=client,
            details={"app_password_id": str(app_password_id)[:32]},
        )
        raise AppPasswordNotFound(_("There is no such app password."))
    return app_password


@transaction.atomic
def _app_password_revoke(*, user: User, app_password_id: int, actor: User | None, client: Client):
    if not 0 < app_password_id < 2**63:
        return None
    user = user_lock(user.pk)
    app_password = AppPassword.objects.filter(user=user, pk=app_password_id).first()
    if app_password is None:
        return None
    if app_password.revoked_at is None:
        app_password.revoked_at = timezone.now()
        app_password.save(update_fields=["revoked_at"])
        security_event_record(
            user=user,
            actor=actor,
            kind=events.REVOKED,
            client=client,
            details={"name": app_password.name, "app_password_id": app_password.pk},
            notify=True,
        )
    return app_password


@transaction.atomic
def app_passwords_revoke_all(
    *,
    user: User,
    actor: User | None,
    client: Client,
    kind: str = events.REVOKED_ALL,
    notify: bool = True,
    reason: str = "",
) -> int:
    """``reason`` is the helpdesk's, shown to the user beside the event."""
    user = user_lock(user.pk)
    count = AppPassword.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if count:
        details = {"count": count, **({"reason": reason} if reason else {})}
        security_event_record(user=user, actor=actor, kind=kind, client=client, details=details, notify=notify)
    return count


def app_passwords_on_credentials_reset(sender, *, user: User, actor, client, **kwargs) -> None:
    """``accounts.signals.credentials_reset`` listener (docs/security.md item 25). Runs inside the password change's
    transaction. The password-change e-mail already tells the user, so this event does not send a second
    one."""
    if settings.PORTAL_APP_PASSWORDS_KEEP_ON_PASSWORD_CHANGE:
        return
    app_passwords_revoke_all(
        user=user,
        actor=actor,
        client=client or Client(),
        kind=events.REVOKED_BY_PASSWORD_CHANGE,
        notify=False,
    )


def mail_site_options_sync() -> MailSiteOption:
    """Copies ``PORTAL_MAIL_MAIN_PASSWORD_ALLOWED`` into the row the ``mail_accounts`` view reads, and makes the
    scope → service rows exactly ``scopes.SCOPE_SERVICES`` (a test database flush empties them; a pair taken out
    of the definition goes)."""
    pairs = scope_service_pairs()
    stored = set(MailService.objects.values_list("scope", "service"))
    for scope, service in sorted(stored - set(pairs)):
        MailService.objects.filter(scope=scope, service=service).delete()
    for scope, service in pairs:
        if (scope, service) not in stored:
            MailService.objects.get_or_create(scope=scope, service=service)
    option, _created = MailSiteOption.objects.update_or_create(
        id=1, defaults={"main_password_for_mail": settings.PORTAL_MAIL_MAIN_PASSWORD_ALLOWED}
    )
    return option


def mail_lookups_rebuild(*, using: str = "default", force: bool = False) -> bool:
    """Unless every trigger that keeps Dovecot's lookup tables exact is in place as this code defines it, creates
    them again and refills the tables from the portal's rows, in one transaction (``post_migrate``; mail_views.py
    says why). Returns whether it did."""
    from django.db import connections

    from .mail_views import (
        lookup_refresh_all_sql,
        lookup_triggers_current,
        lookup_triggers_drop_sql,
        lookup_triggers_sql,
    )

    connection = connections[using]
    vendor = connection.vendor
    if not force and lookup_triggers_current(connection):
        return False
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for statement in [
            *lookup_triggers_drop_sql(vendor),
            *lookup_triggers_sql(vendor),
            *lookup_refresh_all_sql(vendor),
        ]:
            cursor.execute(statement)
    return True


def app_password_mark_used(*, app_password_id: int, login: str, at, ip: str | None, protocol: str):
    """The mail policy server saw a successful login with this app password (security/mail_policy). Returns the
    app password, or None when the id does not belong to that login. One UPDATE; no event (not one per login)."""
    app_password = AppPassword.objects.select_related("user").filter(pk=app_password_id, user__email=login).first()
    if app_password is None:
        return None
    AppPassword.objects.filter(pk=app_password.pk).update(
        last_used_at=at, last_used_ip=ip, last_used_protocol=protocol[:16]
    )
    return app_password
