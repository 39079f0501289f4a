"""Second factors, built on django-otp's ``Device`` so ``OTPMiddleware``, ``django_otp.login`` and ``is_verified()``
work with them (docs/security.md items 8-12, 19).

Invariants:
- A user has at most one authenticator and at most one recovery-code set (unique constraints), so a double submit
  can never leave two devices behind. Rows exist only for confirmed factors: setup keeps its pending secret in the
  session until a correct code arrives.
- ``AuthenticatorDevice`` stores its secret only sealed (``crypto.seal``), with the id of the key that sealed it. At
  any moment it accepts exactly two steps, ``now + drift`` and the one before (drift 0: the current step and one
  back), and never a step at or before ``last_t``. A drift moves the window, never widens it, and no accepted
  step is ever more than ``PORTAL_TOTP_MAX_DRIFT_STEPS`` from the current one. The drift is learned only from a
  code that is right for a nearby step outside the window: that code is refused and used up (``last_t``), and the
  window moves so that the phone's *next* code fits (RFC 4226 7.4's resynchronisation by a further code).
- A secret that no configured key can open makes the device unavailable (``secret_or_none``), never an error.
- Throttling is per device and lives in the database, so it counts across every session and IP of the account. A
  wrong code is charged only to the device it was checked against: never ``match_token`` across devices (django-otp
  issue 110). After ``PORTAL_TWO_STEP_MAX_FAILURES`` consecutive failures the device is locked until the user passes
  the second step with another factor or helpdesk resets it.
- Recovery codes are stored as keyed hashes only, and each one is marked used in the same transaction that accepts it.
"""

import logging
import time

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin

from . import crypto

logger = logging.getLogger("security.two_factor")


class HardCapThrottlingMixin(ThrottlingMixin):
    """django-otp's growing delays (factor * 2^(n-1) s), plus a hard cap on consecutive failures."""

    class Meta:
        abstract = True

    def get_throttle_factor(self):
        return settings.PORTAL_TWO_STEP_THROTTLE_FACTOR

    @property
    def locked(self) -> bool:
        return self.throttling_failure_count >= settings.PORTAL_TWO_STEP_MAX_FAILURES

    # Saving only these columns means a throttle update never writes back a stale copy of anything else
    # (a secret re-sealed by ``reseal_secrets`` since the row was read).
    _THROTTLE_FIELDS = ["throttling_failure_count", "throttling_failure_timestamp"]

    def throttle_increment(self, commit=True):
        super().throttle_increment(commit=False)
        if commit:
            self.save(update_fields=self._THROTTLE_FIELDS)

    def throttle_reset(self, commit=True):
        super().throttle_reset(commit=False)
        if commit:
            self.save(update_fields=self._THROTTLE_FIELDS)

    def verify_is_allowed(self):
        if self.locked:
            return False, {"reason": "locked", "failure_count": self.throttling_failure_count}
        return super().verify_is_allowed()


class SealedSecretMixin(models.Model):
    """A secret stored only sealed under a key derived from the server key, with the id of that key, so a key
    rotation can be checked (``checks.py``) and completed (``manage.py reseal_secrets``) without guessing."""

    sealed_key = models.TextField(default="", editable=False)
    # Which server key sealed ``sealed_key`` (``crypto.key_id``); "" when unknown.
    sealed_key_id = models.CharField(max_length=16, default="", editable=False)

    class Meta:
        abstract = True

    def seal_secret(self, secret: bytes) -> None:
        self.sealed_key = crypto.seal(secret)
        self.sealed_key_id = crypto.key_id_current()

    @property
    def secret(self) -> bytes:
        return crypto.unseal(self.sealed_key)

    def secret_or_none(self) -> bytes | None:
        """The secret, or None (logged) when no configured server key opens it: after ``SECRET_KEY`` was rotated
        and the old key left ``SECRET_KEY_FALLBACKS`` before ``reseal_secrets`` ran."""
        try:
            return self.secret
        except crypto.InvalidToken:
            logger.error(
                "%s %s of user %s cannot be unsealed with the configured keys (sealed under key id %r).",
                type(self).__name__,
                self.pk,
                self.user_id,
                self.sealed_key_id or "unknown",
            )
            return None


class AuthenticatorDevice(SealedSecretMixin, TimestampMixin, HardCapThrottlingMixin, Device):  # noqa: DJ008 (Device has __str__)
    sealed_key = models.TextField(editable=False)  # the TOTP secret; never empty
    drift = models.SmallIntegerField(default=0, editable=False)
    last_t = models.BigIntegerField(default=-1, editable=False)

    # Set by ``verify_token`` when the refused code was right for a nearby step: the phone's clock is off.
    resynchronised = False

    class Meta(Device.Meta):
        verbose_name = _("authenticator app")
        constraints = [models.UniqueConstraint(fields=["user"], name="two_factor_one_authenticator_per_user")]

    @staticmethod
    def _drift_bounds() -> tuple[int, int]:
        # Both accepted steps (now + drift, now + drift - 1) stay within the limit of the current step.
        limit = max(1, settings.PORTAL_TOTP_MAX_DRIFT_STEPS)
        return -(limit - 1), limit

    def window_steps(self, now: float | None = None) -> list[int]:
        """The two steps accepted now, newest first, before the replay rule (``last_t``) is applied."""
        low, high = self._drift_bounds()
        newest = crypto.totp_step_at(time.time() if now is None else now) + max(low, min(high, self.drift))
        return [newest, newest - 1]

    def candidate_steps(self, now: float | None = None) -> list[int]:
        """The steps a code may be accepted for now: the window, minus any step at or before ``last_t``."""
        return [step for step in self.window_steps(now) if step > self.last_t]

    def _nearby_steps(self, now: float) -> list[int]:
        """Steps outside the window but within the drift limit: a match there is refused and moves the window."""
        limit = max(1, settings.PORTAL_TOTP_MAX_DRIFT_STEPS)
        current = crypto.totp_step_at(now)
        window = self.window_steps(now)
        return [
            step for step in range(current - limit, current + limit + 1) if step not in window and step > self.last_t
        ]

    def verify_token(self, token):
        self.resynchronised = False
        allowed, _info = self.verify_is_allowed()
        if not allowed:
            return False
        token = str(token)
        now = time.time()
        secret = self.secret_or_none()
        well_formed = len(token) == crypto.TOTP_DIGITS and token.isascii() and token.isdigit()
        matched = None
        if secret is not None and well_formed:
            matched = crypto.totp_match(secret, token, self.candidate_steps(now))
        if matched is None:
            nearby = None
            if secret is not None and well_formed:
                nearby = crypto.totp_match(secret, token, self._nearby_steps(now))
            if nearby is not None:
                # Right code, wrong time: refuse it, never accept it later, and move the window to the phone.
                low, high = self._drift_bounds()
                self.drift = max(low, min(high, nearby - crypto.totp_step_at(now)))
                self.last_t = nearby
                self.resynchronised = True
            self.throttle_increment(commit=False)
            self.save(update_fields=[*self._THROTTLE_FIELDS, "drift", "last_t"])
            return False
        self.last_t = matched
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        # Never rewrite ``sealed_key`` here: ``reseal_secrets`` may have re-sealed it since this row was read.
        self.save(update_fields=[*self._THROTTLE_FIELDS, "last_t", "last_used_at"])
        return True


class RecoveryCodeDevice(SealedSecretMixin, HardCapThrottlingMixin, Device):  # noqa: DJ008 (Device has __str__)
    """The user's current set of recovery codes, as one django-otp device. Its sealed secret is the set's HMAC
    key; a set without one (made before per-set keys) is checked under the server keys (``recovery_code_digests``).
    """

    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta(Device.Meta):
        verbose_name = _("recovery codes")
        constraints = [models.UniqueConstraint(fields=["user"], name="two_factor_one_recovery_set_per_user")]

    def digests_for(self, normalized: str) -> list[str]:
        """What a stored code equal to ``normalized`` looks like; [] when the set key cannot be unsealed."""
        if not self.sealed_key:
            return crypto.recovery_code_digests(normalized)
        set_key = self.secret_or_none()
        return [] if set_key is None else [crypto.recovery_code_digest(set_key, normalized)]

    def verify_token(self, token):
        allowed, _info = self.verify_is_allowed()
        if not allowed:
            return False
        normalized = crypto.recovery_code_normalize(str(token))
        used = 0
        digests = self.digests_for(normalized) if normalized is not None else []
        if digests:
            used = self.codes.filter(digest__in=digests, used_at__isnull=True).update(used_at=timezone.now())
        if used != 1:
            self.throttle_increment(commit=True)
            return False
        self.throttle_reset(commit=True)
        return True


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64, editable=False)
    used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("recovery code")
        indexes = [models.Index(fields=["device", "digest"])]

    def __str__(self):
        return f"recovery code {self.pk}"


class PausedMethod(models.Model):
    """A method the user stopped using for sign-in while keeping what it rests on (SMS: the phone stays bound).
    One row per user and method; no row means the method is in use when the user has it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    method = models.CharField(max_length=32)
    paused_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "method"], name="two_factor_one_pause_per_method")]

    def __str__(self):
        return f"{self.method} paused"
