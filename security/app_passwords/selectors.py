"""Reads for app passwords. Query counts do not grow with the number of app passwords."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.conf import portal_settings

from .models import AppPassword


def app_password_overview(*, active_count: int) -> dict:
    """What the Security overview card shows, given ``app_password_active_count`` (the overview reads it with the
    other cards' figures in one query, from ``app_passwords_active``)."""
    return {"active_count": active_count, "manage_url": reverse("app_passwords:list")}


def app_passwords_active(*, user):
    return AppPassword.objects.filter(user=user).active()


def app_password_list_for(*, user) -> list[AppPassword]:
    """Newest first; revoked ones stay visible (greyed) so the user can see what was cut off and when."""
    # Each row's ``user`` is this one (``status`` reads it) without a query.
    return list(user.app_passwords.order_by("-created_at", "-id"))


def app_password_active_count(*, user) -> int:
    return app_passwords_active(user=user).count()


def mail_client_settings() -> list[dict]:
    """Server settings a mail client needs, from ``PORTAL_MAIL_*`` settings."""
    return [
        {
            "protocol": protocol,
            "host": getattr(portal_settings, f"mail_{protocol.lower()}_host"),
            "port": getattr(portal_settings, f"mail_{protocol.lower()}_port"),
            "security": getattr(portal_settings, f"mail_{protocol.lower()}_security"),
        }
        for protocol in ("SMTP", "IMAP", "POP3")
    ]


def app_password_active_for(*, user, app_password_id: int) -> AppPassword | None:
    """One of the user's app passwords that still works, or None (someone else's, revoked, expired, missing)."""
    if not 0 < app_password_id < 2**63:
        return None
    return AppPassword.objects.filter(user=user, pk=app_password_id).active().first()


def app_password_stops_sentence(app_password: AppPassword) -> str:
    """What revoking it stops, in the user's words: the name they gave the app ("Outlook on my laptop") and what
    its scope lets it do."""
    from django.utils.translation import gettext as _

    from .models import Scope

    sentences = {
        Scope.SMTP: _("“%(name)s” will stop sending mail."),
        Scope.IMAP: _("“%(name)s” will stop receiving mail (IMAP and POP3)."),
        Scope.ALL: _("“%(name)s” will stop sending and receiving mail."),
    }
    return sentences.get(app_password.scope, sentences[Scope.ALL]) % {"name": app_password.name}


def app_password_revoke_consequences(*, app_password: AppPassword) -> list[str]:
    from django.utils.formats import date_format
    from django.utils.timezone import localtime
    from django.utils.translation import gettext as _

    consequences = [app_password_stops_sentence(app_password)]
    if app_password.last_used_at:
        consequences.append(
            _("It was last used on %(when)s. Any app still using it is cut off from the mail server at once.")
            % {"when": date_format(localtime(app_password.last_used_at), "SHORT_DATETIME_FORMAT")}
        )
    consequences.append(_("To use the app again, create a new app password and enter it in the app."))
    return consequences


def app_passwords_revoke_all_consequences(*, user) -> list[str]:
    from django.utils.translation import gettext as _

    active = AppPassword.objects.filter(user=user).active().order_by("name", "id")
    consequences = [app_password_stops_sentence(app_password) for app_password in active]
    consequences.append(_("To use a mail app again, create a new app password for it."))
    return consequences


def password_change_revokes_app_passwords(*, user, current_key: str | None) -> str | None:
    if portal_settings.app_passwords_keep_on_password_change:
        return None
    count = app_password_active_count(user=user)
    if not count:
        return _("App passwords are revoked: mail apps using them stop until you give them new ones.")
    return ngettext(
        "Your %(count)d app password is revoked: mail apps using it stop until you give them a new one.",
        "Your %(count)d app passwords are revoked: mail apps using them stop until you give them new ones.",
        count,
    ) % {"count": count}
