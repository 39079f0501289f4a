"""Adding, checking, renaming and removing passkeys (issue 16). The WebAuthn checks themselves (client data,
origin, RP ID hash, flags, attestation "none", signature) are py_webauthn's; the rules are here.

Invariants:
- A challenge is 32 random bytes, made by the server for one purpose (``register`` or ``sign_in``) and one
  session (the cache key holds a digest of the session key), lasts ``PORTAL_PASSKEY_CHALLENGE_TTL`` and is used at
  most once: it is deleted by the first answer, right or wrong, before the answer is checked.
- The RP ID and the origins are those of ``PORTAL_PASSKEY_RP_ID``/``PORTAL_PASSKEY_ORIGINS``; left empty, the
  host of the request (already checked against ``ALLOWED_HOSTS`` by Django), frozen into the challenge.
- An assertion whose sign counter is not above the stored one (when either is non-zero) is a cloned or replayed
  key: refused, recorded and e-mailed (``passkeys.clone_suspected``), and the stored counter is left alone.
- Saving the first strong factor turns two-step on (``strong_factor_added``, recovery codes issued), with the
  user's row locked. Removing the last strong factor is refused here: the user turns two-step off instead
  (``two_step_turn_off``'s password and confirmation rules).
"""

import hashlib
import json
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse, WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from accounts.models import User
from accounts.services.users import user_lock
from portal.conf import portal_settings
from security.audit import security_event_record
from security.client import Client
from security.two_factor import methods
from security.two_factor.services import SecondStepError, strong_factor_added

from . import events
from .models import Passkey

PASSKEY = "passkey"  # the method key in the second-step registry
REGISTER = "register"
SIGN_IN = "sign_in"
_MAX_RESPONSE = 64 * 1024  # a browser's answer is a few kB; longer input is refused before parsing


class PasskeyError(SecondStepError):
    code = "passkey_refused"


@dataclass(frozen=True)
class RelyingParty:
    rp_id: str
    origins: list[str]


def relying_party(request) -> RelyingParty:
    rp_id = portal_settings.passkey_rp_id or request.get_host().rsplit(":", 1)[0].strip("[]")
    origins = list(portal_settings.passkey_origins) or [f"{request.scheme}://{request.get_host()}"]
    return RelyingParty(rp_id=rp_id, origins=origins)


def _challenge_key(session_key: str, purpose: str) -> str:
    return "passkey-challenge:" + hashlib.sha256(f"{purpose}:{session_key}".encode()).hexdigest()


def _challenge_store(*, request, purpose: str, challenge: bytes, rp: RelyingParty) -> None:
    if not request.session.session_key:
        request.session.save()
    ttl = int(portal_settings.passkey_challenge_ttl.total_seconds())
    value = {"challenge": bytes_to_base64url(challenge), "rp_id": rp.rp_id, "origins": rp.origins}
    cache.set(_challenge_key(request.session.session_key, purpose), value, timeout=ttl)


def _challenge_take(*, session_key: str | None, purpose: str) -> dict:
    """The session's pending challenge for ``purpose``, deleted so it is never used twice."""
    key = _challenge_key(session_key or "", purpose)
    value = cache.get(key)
    if not session_key or value is None or not cache.delete(key):
        raise PasskeyError(_("That passkey request has expired. Try again."))
    return value


def _timeout_ms() -> int:
    return int(portal_settings.passkey_challenge_ttl.total_seconds() * 1000)


def registration_options(*, request, user: User) -> dict:
    """The options for ``navigator.credentials.create`` (JSON-able), with a new challenge bound to this session.
    Discoverable credential and user verification preferred; the user's keys are excluded (no duplicates)."""
    rp = relying_party(request)
    options = generate_registration_options(
        rp_id=rp.rp_id,
        rp_name=portal_settings.site_name,
        user_name=user.email,
        user_id=hashlib.sha256(f"passkey-user:{user.pk}".encode()).digest(),  # stable, not the e-mail address
        user_display_name=user.email,
        timeout=_timeout_ms(),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(cid))
            for cid in Passkey.objects.filter(user=user).values_list("credential_id", flat=True)
        ],
    )
    _challenge_store(request=request, purpose=REGISTER, challenge=options.challenge, rp=rp)
    return json.loads(options_to_json(options))


def authentication_options(*, request, user: User) -> dict:
    """The options for ``navigator.credentials.get``: the user's keys, a new challenge bound to this session."""
    rp = relying_party(request)
    options = generate_authentication_options(
        rp_id=rp.rp_id,
        timeout=_timeout_ms(),
        user_verification=UserVerificationRequirement.PREFERRED,
        allow_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(cid))
            for cid in Passkey.objects.filter(user=user).values_list("credential_id", flat=True)
        ],
    )
    _challenge_store(request=request, purpose=SIGN_IN, challenge=options.challenge, rp=rp)
    return json.loads(options_to_json(options))


def _parse(response: str) -> dict:
    if not response or len(response) > _MAX_RESPONSE:
        raise PasskeyError(_("Your browser did not answer with a passkey. Try again."))
    try:
        parsed = json.loads(response)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("id"), str):
        raise PasskeyError(_("Your browser did not answer with a passkey. Try again."))
    return parsed


def _digest(credential_id: str) -> str:
    return hashlib.sha256(credential_id.encode()).hexdigest()


@dataclass(frozen=True)
class AddResult:
    passkey: Passkey
    recovery_codes: list[str] | None  # set when this key turned two-step verification on


def passkey_add(*, user: User, session_key: str | None, response: str, name: str, client: Client) -> AddResult:
    """Check the browser's answer to ``registration_options`` and save the key. Raises ``PasskeyError``."""
    challenge = _challenge_take(session_key=session_key, purpose=REGISTER)
    credential = _parse(response)
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge["challenge"]),
            expected_rp_id=challenge["rp_id"],
            expected_origin=challenge["origins"],
        )
    except (InvalidRegistrationResponse, WebAuthnException, ValueError, KeyError, TypeError):
        raise PasskeyError(_("That passkey could not be added. Try again.")) from None
    credential_id = bytes_to_base64url(verified.credential_id)
    transports = credential.get("response", {}).get("transports") or []
    with transaction.atomic():
        user = user_lock(user.pk)
        if Passkey.objects.filter(credential_sha256=_digest(credential_id)).exists():
            raise PasskeyError(_("That passkey is already registered."))
        passkey = Passkey.objects.create(
            user=user,
            name=(name or "").strip()[:60] or _("Passkey"),
            credential_id=credential_id,
            credential_sha256=_digest(credential_id),
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            transports=",".join(str(t) for t in transports if isinstance(t, str))[:200],
            backed_up=bool(verified.credential_backed_up),
            created_at=timezone.now(),
        )
        recovery_codes = strong_factor_added(user=user, client=client, kind=events.PASSKEY_ADDED)
    return AddResult(passkey=passkey, recovery_codes=recovery_codes)


def passkey_assertion_verify(*, user: User, answer: dict, client: Client, session_key: str | None):
    """The second step's ``verify`` for a passkey: check the answer to ``authentication_options`` with the
    user's key it names. Returns None (no django-otp device); raises ``PasskeyError``."""
    challenge = _challenge_take(session_key=session_key, purpose=SIGN_IN)
    credential = _parse(answer.get("response", ""))
    passkey = Passkey.objects.filter(user=user, credential_sha256=_digest(credential["id"])).first()
    if passkey is None:
        raise PasskeyError(_("That passkey is not registered to this account."))
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge["challenge"]),
            expected_rp_id=challenge["rp_id"],
            expected_origin=challenge["origins"],
            credential_public_key=bytes(passkey.public_key),
            credential_current_sign_count=0,  # the counter is compared below, so a clone is recorded
        )
    except (InvalidAuthenticationResponse, WebAuthnException, ValueError, KeyError, TypeError):
        raise PasskeyError(_("That passkey did not answer correctly. Try again.")) from None
    with transaction.atomic():
        passkey = Passkey.objects.select_for_update().get(pk=passkey.pk)
        new_count, old_count = verified.new_sign_count, passkey.sign_count
        cloned = (new_count or old_count) and new_count <= old_count
        if not cloned:
            passkey.sign_count = new_count
            passkey.last_used_at = timezone.now()
            passkey.save(update_fields=["sign_count", "last_used_at"])
    if cloned:
        security_event_record(
            user=user,
            actor=user,
            kind=events.PASSKEY_CLONE_SUSPECTED,
            client=client,
            details={"name": passkey.name, "counter": new_count, "expected_above": old_count},
            notify=True,
        )
        raise PasskeyError(
            _("That passkey answered like a copy of itself and was refused. Use another method, and remove that "
              "passkey if you did not copy it.")
        )
    return None


def passkey_rename(*, user: User, passkey_id: int, name: str, client: Client) -> bool:
    with transaction.atomic():
        passkey = Passkey.objects.select_for_update().filter(user=user, pk=passkey_id).first()
        if passkey is None:
            return False
        old = passkey.name
        passkey.name = name.strip()[:60] or old
        passkey.save(update_fields=["name"])
        security_event_record(
            user=user, actor=user, kind=events.PASSKEY_RENAMED, client=client, details={"name": passkey.name}
        )
    return True


def passkey_is_last_strong_factor(*, user: User, passkey_id: int) -> bool:
    strong = methods.strong_methods_of(user)
    others = [method for method in strong if method.key != PASSKEY]
    return not others and not Passkey.objects.filter(user=user).exclude(pk=passkey_id).exists()


def passkey_remove(*, user: User, passkey_id: int, client: Client) -> bool:
    """Remove one key. The last strong factor is not removed here: turning two-step off is (password and a fresh
    factor, ``two_step_turn_off``). Returns False if the key is not (any more) the user's."""
    with transaction.atomic():
        user = user_lock(user.pk)
        passkey = Passkey.objects.filter(user=user, pk=passkey_id).first()
        if passkey is None:
            return False
        if passkey_is_last_strong_factor(user=user, passkey_id=passkey_id):
            raise PasskeyError(
                _("This is your last passkey and your only strong factor. Turn off two-step verification instead.")
            )
        passkey.delete()
        security_event_record(
            user=user, actor=user, kind=events.PASSKEY_REMOVED, client=client, details={"name": passkey.name},
            notify=True,
        )
    return True


def passkeys_remove_all(user: User) -> None:
    """Turning two-step off (or the helpdesk's reset) removes every key (``SecondStepMethod.remove_all``)."""
    Passkey.objects.filter(user=user).delete()
