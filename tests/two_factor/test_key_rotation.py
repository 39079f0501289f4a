"""Items 8, 19: rotating SECRET_KEY, end to end. New key with the old one as fallback, sign-ins keep working,
``reseal_secrets`` re-seals every sealed secret, and after the fallback is dropped the authenticator app, the
recovery codes and existing sessions still work. Without the re-seal, dropping the fallback makes those methods
"unavailable" (a translated 409, logged and recorded), and the system check warns; never a 500."""

import logging
from io import StringIO

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from security.client import SYSTEM
from security.models import SecurityEvent
from security.two_factor import checks, crypto, events
from security.two_factor.models import AuthenticatorDevice, RecoveryCode, RecoveryCodeDevice
from security.two_factor.services import authenticator_enroll
from tests.factories import UserFactory
from tests.two_factor.otp import FIXED_KEY, START_STEP, code_at, sign_in_with_password

NEW_KEY = "rotated-key-" + "n" * 50
UNAVAILABLE_ZH = "此验证方式暂时无法使用。请改用其他方式，或联系客服。"


def second_step(user, *, method: str, code: str) -> tuple[Client, object]:
    client = Client()
    sign_in_with_password(client, user)
    return client, client.post("/two-step/verify/", {"method": method, "code": code})


def signed_in(client: Client) -> bool:
    return client.get("/two-step/").status_code == 200


def reseal(*args) -> str:
    out = StringIO()
    call_command("reseal_secrets", *args, stdout=out)
    return out.getvalue()


def check_ids() -> list[str]:
    return sorted(message.id for message in checks.sealed_secrets_check(databases=["default"]))


def test_the_whole_rotation(enrolled, clock, settings):
    old_key = settings.SECRET_KEY
    session, response = second_step(enrolled, method="totp", code=code_at(START_STEP))
    assert response.status_code == 302
    assert check_ids() == []

    # 1. The new key, with the old one as a fallback: everything keeps working.
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, [old_key]
    assert signed_in(session)
    assert check_ids() == ["two_factor.I001", "two_factor.I001"]  # authenticator and recovery set, not yet re-sealed
    clock.shift(30)
    assert second_step(enrolled, method="totp", code=code_at(START_STEP + 1))[1].status_code == 302
    assert second_step(enrolled, method="recovery", code=enrolled.recovery_codes[0])[1].status_code == 302

    # 2. Re-seal, twice: the second run finds nothing to do.
    before = list(AuthenticatorDevice.objects.values_list("sealed_key", flat=True))
    assert reseal() == (
        "Authenticator app secrets: 1 re-sealed, 0 already current, 0 unopenable.\n"
        "Recovery-code set keys: 1 re-sealed, 0 already current, 0 unopenable.\n"
    )
    assert list(AuthenticatorDevice.objects.values_list("sealed_key", flat=True)) != before
    assert reseal() == (
        "Authenticator app secrets: 0 re-sealed, 1 already current, 0 unopenable.\n"
        "Recovery-code set keys: 0 re-sealed, 1 already current, 0 unopenable.\n"
    )
    assert check_ids() == []

    # 3. Drop the fallback: the old key is gone, and sign-in still works with either factor; so does the session.
    settings.SECRET_KEY_FALLBACKS = []
    assert check_ids() == []
    assert signed_in(session)
    clock.shift(30)
    assert second_step(enrolled, method="totp", code=code_at(START_STEP + 2))[1].status_code == 302
    assert second_step(enrolled, method="recovery", code=enrolled.recovery_codes[1])[1].status_code == 302
    assert AuthenticatorDevice.objects.get(user=enrolled).secret == FIXED_KEY


def test_a_dry_run_writes_nothing(enrolled, settings):
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, [settings.SECRET_KEY]
    before = sorted(AuthenticatorDevice.objects.values_list("sealed_key", "sealed_key_id"))
    assert reseal("--dry-run").startswith("Authenticator app secrets: 1 would be re-sealed, 0 already current")
    assert sorted(AuthenticatorDevice.objects.values_list("sealed_key", "sealed_key_id")) == before


def test_without_the_reseal_dropping_the_fallback_is_a_clear_message_and_a_warning(enrolled, clock, settings, caplog):
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, []
    assert check_ids() == ["two_factor.W001", "two_factor.W002"]
    caplog.set_level(logging.ERROR, logger="security.two_factor")

    for method, code in (("totp", code_at(START_STEP)), ("recovery", enrolled.recovery_codes[0])):
        _client, response = second_step(enrolled, method=method, code=code)
        assert response.status_code == 409
        assert UNAVAILABLE_ZH in response.content.decode()
        english = Client(HTTP_ACCEPT_LANGUAGE="en")
        english.cookies["django_language"] = "en"
        sign_in_with_password(english, enrolled)
        response = english.post("/two-step/verify/", {"method": method, "code": code})
        assert response.status_code == 409
        assert "This verification method is unavailable right now. Use another method, or contact the helpdesk." in (
            response.content.decode()
        )
    assert "cannot be unsealed" in caplog.text and str(enrolled.pk) in caplog.text
    assert code_at(START_STEP) not in caplog.text
    assert SecurityEvent.objects.filter(user=enrolled, kind=events.SECOND_FACTOR_UNAVAILABLE).count() == 4
    # Not the user's fault: no throttle is charged, so nothing is locked once the key is back.
    assert AuthenticatorDevice.objects.get(user=enrolled).throttling_failure_count == 0
    assert RecoveryCodeDevice.objects.get(user=enrolled).throttling_failure_count == 0

    # The confirm page (a session signed in while the old key was still a fallback) says the same.
    settings.SECRET_KEY_FALLBACKS = [old_key]
    session, _response = second_step(enrolled, method="recovery", code=enrolled.recovery_codes[1])
    settings.SECRET_KEY_FALLBACKS = []
    response = session.post("/confirm/?next=/two-step/", {"method": "totp", "code": code_at(START_STEP)})
    assert response.status_code == 409 and UNAVAILABLE_ZH in response.content.decode()

    # reseal_secrets names the problem and fails, so a deploy script stops; -v 2 lists the users.
    out = StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("reseal_secrets", verbosity=2, stdout=out)
    assert failure.value.returncode == 1 and "2 secret(s) cannot be opened" in str(failure.value)
    assert "Authenticator app secrets: 0 re-sealed, 0 already current, 1 unopenable." in out.getvalue()
    assert f"  unopenable: {enrolled.email}\n" in out.getvalue()

    # The deployer puts the old key back as a fallback and re-seals: everything works again.
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert "1 re-sealed" in reseal()
    settings.SECRET_KEY_FALLBACKS = []
    assert check_ids() == []
    clock.shift(30)
    assert second_step(enrolled, method="totp", code=code_at(START_STEP + 1))[1].status_code == 302


def test_an_unopenable_authenticator_can_be_replaced(enrolled, clock, settings):
    settings.SECRET_KEY = NEW_KEY
    new_secret = crypto.totp_secret_new()
    result = authenticator_enroll(
        user=enrolled, secret=new_secret, code=crypto.totp_code(new_secret, START_STEP), client=SYSTEM
    )
    assert result.changed and AuthenticatorDevice.objects.get(user=enrolled).secret == new_secret
    assert check_ids() == ["two_factor.W002"]  # the recovery set is still under the old key


def test_legacy_recovery_sets_work_under_a_fallback_and_are_reported(enrolled, clock, settings):
    """Sets made before per-set keys hold HMACs under the server key itself: they cannot be re-sealed."""
    device = RecoveryCodeDevice.objects.get(user=enrolled)
    code = enrolled.recovery_codes[2]
    RecoveryCode.objects.filter(device=device).update(digest="0" * 64)
    RecoveryCode.objects.filter(pk=device.codes.first().pk).update(
        digest=crypto.recovery_code_digests(crypto.recovery_code_normalize(code))[0]
    )
    RecoveryCodeDevice.objects.filter(pk=device.pk).update(sealed_key="", sealed_key_id="")
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, [settings.SECRET_KEY]
    assert "Recovery-code sets made before per-set keys: 1." in reseal()
    assert second_step(enrolled, method="recovery", code=code)[1].status_code == 302


def test_the_check_needs_no_database_unless_asked(enrolled, settings, django_assert_num_queries):
    settings.SECRET_KEY = NEW_KEY
    with django_assert_num_queries(0):
        assert checks.sealed_secrets_check(databases=None) == []
        messages = run_checks()  # what a plain `manage.py check` runs
    assert not [message for message in messages if message.id.startswith("two_factor.")]
    # With the database named, it costs one query per kind of secret, whatever the number of rows.
    with CaptureQueriesContext(connection) as queries:
        assert check_ids() == ["two_factor.W001", "two_factor.W002"]
    selects = [query["sql"] for query in queries.captured_queries if query["sql"].lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2 and all("GROUP BY" in sql.upper() for sql in selects)
    out = StringIO()
    call_command("check", "--database", "default", "--tag", "database", stdout=out, stderr=out)
    assert "two_factor.W001" in out.getvalue()


def test_the_migration_records_which_key_sealed_each_secret(enrolled, settings):
    import importlib
    from types import SimpleNamespace

    from django.apps import apps

    migration = importlib.import_module("security.two_factor.migrations.0002_sealed_key_ids")
    old_key = settings.SECRET_KEY
    lost = AuthenticatorDevice(user=UserFactory(), name="app", confirmed=True, sealed_key_id="")
    with override_settings(SECRET_KEY="some-key-nobody-has-" + "z" * 40):
        lost.seal_secret(FIXED_KEY)
    lost.sealed_key_id = ""
    lost.save()
    AuthenticatorDevice.objects.update(sealed_key_id="")
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, [old_key]
    migration.record_sealing_keys(apps, SimpleNamespace(connection=connection))
    assert AuthenticatorDevice.objects.get(user=enrolled).sealed_key_id == crypto.key_id(old_key)
    assert AuthenticatorDevice.objects.get(pk=lost.pk).sealed_key_id == ""
