"""App passwords and the tables the mail-server views join (docs/mail-server.md).

Invariants:
- ``token_sha256`` is the only verifier stored: lowercase hex SHA-256 of the exact secret, unique, indexed. The
  ``mail_app_passwords`` view (migration 0002) exposes it to Dovecot; nothing else reads it.
- An app password is active while its user is active, it is not revoked and it has not expired. That rule has one
  Python definition, ``AppPasswordQuerySet.active()``, which every count and limit uses; ``status`` says the same
  of one row in memory; and the SQL the mail server reads (``mail_app_passwords`` in ``mail_views.py``) must say
  the same: change them together (a test compares all three for every combination). The view evaluates expiry
  at query time, so an expired password stops working without any job running.
- Rows are never deleted by the portal: revoking sets ``revoked_at``, so the history stays visible.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

NAME_MAX_LENGTH = 64


class Scope(models.TextChoices):
    SMTP = "smtp", _("Sending mail (SMTP)")
    IMAP = "imap", _("Reading mail (IMAP, POP3)")
    ALL = "all", _("Sending and reading mail")



class AppPasswordQuerySet(models.QuerySet):
    def active(self, *, now=None):
        """The app passwords the mail server accepts: user active, not revoked, not expired (the WHERE of the
        ``mail_app_passwords`` view)."""
        now = now or timezone.now()
        return self.filter(user__is_active=True, revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class AppPassword(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="app_passwords",
        verbose_name=_("user"),
    )
    name = models.CharField(pgettext_lazy("app password", "name"), max_length=NAME_MAX_LENGTH)
    scope = models.CharField(_("may be used for"), max_length=8, choices=Scope.choices)
    token_sha256 = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    # Filled in by the auth policy server (a later issue); until then the page says "never used".
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("last used from"), null=True, blank=True)
    last_used_protocol = models.CharField(_("last used with"), max_length=16, blank=True)
    # The random key of the form that created it: a second submit of the same form creates nothing.
    creation_key = models.CharField(max_length=64, blank=True, editable=False)

    objects = AppPasswordQuerySet.as_manager()

    class Meta:
        verbose_name = _("app password")
        verbose_name_plural = _("app passwords")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "revoked_at"], name="app_password_user_revoked")]

    def __str__(self):
        return self.name

    @property
    def status(self) -> str:
        """``active`` exactly when ``active()`` would return this row; otherwise why not. Reads ``self.user``: load
        rows through ``user.app_passwords`` (or ``select_related("user")``) so a list costs no query per row."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return "expired"
        if not self.user.is_active:
            return "suspended"  # the account is disabled: nothing of it opens the mailbox
        return "active"


class MailService(models.Model):
    """Which Dovecot services each scope opens, as rows the ``mail_app_passwords`` view joins, so one app password
    gives one row per service. The pairs are defined in ``scopes.SCOPE_SERVICES`` and copied here by the migration
    and by ``mail_site_options_sync``; nothing else writes this table."""

    scope = models.CharField(max_length=8, choices=Scope.choices)
    service = models.CharField(max_length=16)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "service"], name="mail_service_scope_service")]

    def __str__(self):
        return f"{self.scope}:{self.service}"


class MailSiteOption(models.Model):
    """One row (id 1) the ``mail_accounts`` view reads, because a view cannot read Django settings.

    ``main_password_for_mail`` is copied from ``PORTAL_MAIL_MAIN_PASSWORD_ALLOWED`` after every ``migrate``
    and by
    ``manage.py app_password site-options``. When it is false, ``mail_accounts`` is empty: only app passwords
    work."""

    main_password_for_mail = models.BooleanField(default=True)

    def __str__(self):
        return f"main_password_for_mail={self.main_password_for_mail}"


class MailAppPasswordLookup(models.Model):
    """What ``mail_app_passwords`` selects from: one row per app password that is not revoked, of an active user,
    and service it opens. Derived data, written only by the database triggers of
    ``mail_views.lookup_triggers_sql`` (never by Python), so every write to the tables it derives from keeps it
    exact in the same transaction. No foreign keys: the triggers delete rows when their source goes."""

    pk = models.CompositePrimaryKey("token_sha256", "service")
    token_sha256 = models.CharField(max_length=64)
    service = models.CharField(max_length=16)
    login = models.CharField(max_length=254)
    app_password_id = models.BigIntegerField(db_index=True)
    user_id = models.BigIntegerField(db_index=True)
    expires_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "mail_app_password_lookup"

    def __str__(self):
        return f"{self.login}:{self.service}"


class MailAccountLookup(models.Model):
    """What ``mail_accounts`` selects from: one row per account whose main password opens mail, with the hash in
    Dovecot's form. Derived data, written only by the database triggers (see ``MailAppPasswordLookup``)."""

    user_id = models.BigIntegerField(primary_key=True)
    login = models.CharField(max_length=254)
    password = models.CharField(max_length=256)

    class Meta:
        db_table = "mail_account_lookup"
        # A constraint, not unique=True: on PostgreSQL that would add a second, ``_like`` index on the column.
        constraints = [models.UniqueConstraint(fields=["login"], name="mail_account_lookup_login")]

    def __str__(self):
        return self.login
