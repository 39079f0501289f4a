"""Second factors, built on django-otp's ``Device`` so ``OTPMiddleware``, ``django_otp.login`` and ``is_verified()``
work with them (SECURITY.md 8-12, 19).

Invariants:
- A user has at most one authenticator and at most one recovery-code set (unique constraints), so a double submit
  can never leave two devices behind. Rows exist only for confirmed factors: setup keeps its pending secret in the
  session until a correct code arrives.
- ``AuthenticatorDevice`` stores its secret only sealed (``crypto.seal``). It accepts the current step and one step
  back (plus a bounded drift learned only from successes), and never a step at or before ``last_t``.
- Throttling is per device and lives in the database, so it counts across every session and IP of the account. A
  wrong code is charged only to the device it was checked against: never ``match_token`` across devices (django-otp
  issue 110). After ``PORTAL_TWO_STEP_MAX_FAILURES`` consecutive failures the device is locked until the user passes
  the second step with another factor or helpdesk resets it.
- Recovery codes are stored as keyed hashes only, and each one is marked used in the same transaction that accepts it.
"""

import time

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin

from . import crypto


class HardCapThrottlingMixin(ThrottlingMixin):
    """django-otp's growing delays (factor * 2^(n-1) s), plus a hard cap on consecutive failures."""

    class Meta:
        abstract = True

    def get_throttle_factor(self):
        return settings.PORTAL_TWO_STEP_THROTTLE_FACTOR

    @property
    def locked(self) -> bool:
        return self.throttling_failure_count >= settings.PORTAL_TWO_STEP_MAX_FAILURES

    def verify_is_allowed(self):
        if self.locked:
            return False, {"reason": "locked", "failure_count": self.throttling_failure_count}
        return super().verify_is_allowed()


class AuthenticatorDevice(TimestampMixin, HardCapThrottlingMixin, Device):
    sealed_key = models.TextField(editable=False)
    drift = models.SmallIntegerField(default=0, editable=False)
    last_t = models.BigIntegerField(default=-1, editable=False)

    class Meta(Device.Meta):
        verbose_name = _("authenticator app")
        constraints = [models.UniqueConstraint(fields=["user"], name="two_factor_one_authenticator_per_user")]

    @property
    def secret(self) -> bytes:
        return crypto.unseal(self.sealed_key)

    def candidate_steps(self, now: float | None = None) -> list[int]:
        """Current step and one back; if a drift was learned, also those two steps shifted by it."""
        current = crypto.totp_step_at(time.time() if now is None else now)
        steps = [current, current - 1]
        if self.drift:
            steps += [current + self.drift, current + self.drift - 1]
        return [step for step in dict.fromkeys(steps) if step > self.last_t]

    def verify_token(self, token):
        allowed, _info = self.verify_is_allowed()
        if not allowed:
            return False
        token = str(token)
        current = crypto.totp_step_at(time.time())
        matched = None
        if len(token) == crypto.TOTP_DIGITS and token.isascii() and token.isdigit():
            matched = crypto.totp_match(self.secret, token, self.candidate_steps())
        if matched is None:
            self.throttle_increment(commit=True)  # drift and last_t stay as they were
            return False
        self.last_t = matched
        limit = settings.PORTAL_TOTP_MAX_DRIFT_STEPS
        self.drift = max(-limit, min(limit, matched - current))
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save()
        return True


class RecoveryCodeDevice(HardCapThrottlingMixin, Device):
    """The user's current set of recovery codes, as one django-otp device."""

    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta(Device.Meta):
        verbose_name = _("recovery codes")
        constraints = [models.UniqueConstraint(fields=["user"], name="two_factor_one_recovery_set_per_user")]

    def verify_token(self, token):
        allowed, _info = self.verify_is_allowed()
        if not allowed:
            return False
        normalized = crypto.recovery_code_normalize(str(token))
        used = 0
        if normalized is not None:
            used = self.codes.filter(digest__in=crypto.recovery_code_digests(normalized), used_at__isnull=True).update(
                used_at=timezone.now()
            )
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
