"""Reads for two-step verification. A fixed number of queries, whatever the user has (or however many users there
are, for the key census)."""

from django.db.models import Count
from django.urls import reverse

from . import crypto, methods
from .models import AuthenticatorDevice, RecoveryCode, RecoveryCodeDevice


def recovery_codes_remaining(*, user) -> int:
    return RecoveryCode.objects.filter(device__user=user, used_at__isnull=True).count()


def authenticator_for(*, user) -> AuthenticatorDevice | None:
    return AuthenticatorDevice.objects.filter(user=user, confirmed=True).first()


def two_step_overview(*, user, factors_when_off: bool = True) -> dict:
    """What the Security overview card and the two-step page show: one entry per registered method the user has
    something to see or choose for (``SecondStepMethod.describe``), with its ``kind``, ``label`` and the
    ``template`` of its section on the two-step page. ``factors_when_off=False``: no factors while two-step
    verification is off (the overview's card shows none then), which spares the methods' queries."""
    factors = []
    for method in methods.methods_all() if user.two_step_enabled or factors_when_off else ():
        if method.describe is None:
            continue
        described = method.describe(user)
        if described is None:
            continue
        factors.append({"kind": method.key, "label": method.label, "template": method.settings_template, **described})
    return {"enabled": user.two_step_enabled, "factors": factors, "setup_url": reverse("two_factor:manage")}


SEALED_MODELS = {"authenticator": AuthenticatorDevice, "recovery": RecoveryCodeDevice}


def sealed_secrets_by_key(*, using: str = "default") -> dict[str, dict[str, int]]:
    """For each kind of sealed secret, how many are sealed under the current key (``current``), under a key in
    ``SECRET_KEY_FALLBACKS`` (``fallback``) and under no configured key (``lost``: "" counts as lost, since
    ``reseal_secrets`` and the migration clear the id of a secret they cannot open). One grouped query per kind,
    over the recorded key ids: no secret is decrypted. Legacy recovery sets (no sealed key) are not counted."""
    current, *fallbacks = crypto.key_ids_configured()
    census = {}
    for kind, model in SEALED_MODELS.items():
        counts = {"current": 0, "fallback": 0, "lost": 0}
        rows = (
            model.objects.using(using)
            .exclude(sealed_key="")
            .order_by()
            .values_list("sealed_key_id")
            .annotate(count=Count("pk"))
        )
        for key_id, count in rows:
            counts["current" if key_id == current else "fallback" if key_id in fallbacks else "lost"] += count
        census[kind] = counts
    return census


def recovery_sets_without_sealed_key(*, using: str = "default") -> int:
    """Recovery-code sets made before per-set keys: their digests are keyed by the server key itself."""
    return RecoveryCodeDevice.objects.using(using).filter(sealed_key="").count()
