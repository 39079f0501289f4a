"""The mail user. The mailbox address is the username, stored lowercased so lookups are case-insensitive."""

import secrets

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from security import tokens
from security.addresses import normalize_address


def new_security_stamp() -> str:
    return secrets.token_hex(16)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(email=normalize_address(username))

    def create_user(self, email, password=None, **extra):
        user = self.model(email=normalize_address(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("mailbox address"), max_length=254, unique=True)
    full_name = models.CharField(_("name"), max_length=150, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    language = models.CharField(_("language"), max_length=10, blank=True)
    # Turned on and off only by security.two_factor services; the mail_accounts view reads it.
    two_step_enabled = models.BooleanField(_("two-step verification"), default=False)
    # Set by a helpdesk reset: the user must set up two-step verification again before using the portal.
    two_step_setup_required = models.BooleanField(_("must set up two-step verification"), default=False)
    password_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Rotated when the password is changed or reset. Sessions (and trusted devices) are bound to it instead of
    # to the password hash, so Django upgrading the hash on sign-in does not end anybody's session.
    security_stamp = models.CharField(max_length=32, default=new_security_stamp, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        # What the Helpdesk group may do (security/helpdesk): each is one action, never a way to see a secret.
        permissions = [
            ("helpdesk_reset_two_step", _("Can reset two-step verification")),
            ("helpdesk_unbind_phone", _("Can unbind the phone")),
            ("helpdesk_revoke_app_passwords", _("Can revoke all app passwords")),
            ("helpdesk_forget_trusted_devices", _("Can forget trusted devices")),
            ("helpdesk_end_sessions", _("Can end all sessions")),
            ("helpdesk_clear_sign_in_lock", _("Can clear a sign-in lock")),
            ("helpdesk_disable_account", _("Can disable an account")),
        ]

    def __str__(self):
        return self.email

    def clean(self):
        super().clean()
        self.email = normalize_address(self.email)

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name or self.email.split("@")[0]

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._password_at_load = instance.__dict__.get("password")  # to skip the check when it is unchanged
        return instance

    def save(self, *args, **kwargs):
        """Any save that changes the password, by any path, rotates the stamp and sends ``credentials_reset`` in
        the same transaction (accounts/services/passwords.py, ``password_save_guard``)."""
        from accounts.services.passwords import password_changed_announce, password_save_guard

        with transaction.atomic(using=kwargs.get("using") or router.db_for_write(type(self), instance=self)):
            changed = password_save_guard(self, kwargs.get("update_fields"))
            super().save(*args, **kwargs)
            self._password_at_load = self.password
            if changed:
                password_changed_announce(self)

    def get_session_auth_hash(self):
        return tokens.token_digest(tokens.SESSION_AUTH, self.security_stamp)

    def get_session_auth_fallback_hash(self):
        # Django's own fallback hashes the password; ours must hash the stamp, or a SECRET_KEY rotation signs
        # everyone out (docs/security.md, "Rotating SECRET_KEY").
        yield from tokens.token_digests(tokens.SESSION_AUTH, self.security_stamp)[1:]

    def rotate_security_stamp(self):
        """Only ``accounts.services.users.user_credentials_reset`` calls this: a new stamp must always come with
        ``credentials_reset``."""
        self.security_stamp = new_security_stamp()


class ThrottleCounter(models.Model):
    """A failed-sign-in counter or gate (accounts/services/throttle.py), used when the cache cannot count atomically
    (Django's database cache). ``expires_at`` is a Unix time; an expired row counts as absent."""

    key = models.CharField(max_length=120, primary_key=True)
    value = models.FloatField(default=0)
    expires_at = models.FloatField(db_index=True)

    class Meta:
        db_table = "accounts_throttle_counter"

    def __str__(self):
        return self.key


class RecoveryRequest(models.Model):
    """One pending "forgot password" recovery per account, written only by ``accounts.recovery.services``.

    The e-mailed code is never stored: only an HMAC with a per-code salt (SMS codes live in the phone app's
    ``SmsChallenge``). The row is bound to the browser session that started it and is deleted when the recovery
    completes, is cancelled by a normal sign-in, or runs out of attempts."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=16)
    session_digest = models.CharField(max_length=64)
    stamp = models.CharField(max_length=32)  # the security stamp when it began: a password change ends it
    code_salt = models.CharField(max_length=32, blank=True)
    code_digest = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    failures = models.PositiveSmallIntegerField(default=0)
    proven_at = models.DateTimeField(null=True, blank=True)
    second_factor_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"recovery for user {self.user_id}"
