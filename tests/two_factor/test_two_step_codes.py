"""SECURITY.md 11, 12: the code window, replay, drift, throttling with a hard cap, one device never locks another."""

import pytest
from django.core import mail

from security.client import SYSTEM
from security.models import SecurityEvent
from security.two_factor import events
from security.two_factor.models import AuthenticatorDevice, RecoveryCodeDevice
from security.two_factor.services import REAUTH, SIGN_IN, SecondStepError, second_factor_verify
from tests.two_factor.otp import START_STEP, code_at


def verify(user, code, method="totp"):
    return second_factor_verify(user=user, method_key=method, code=code, client=SYSTEM, purpose=SIGN_IN)


def refused(user, code, method="totp") -> SecondStepError:
    with pytest.raises(SecondStepError) as info:
        verify(user, code, method)
    return info.value


def device(user) -> AuthenticatorDevice:
    return AuthenticatorDevice.objects.get(user=user)


def test_current_step_is_accepted(enrolled):
    assert verify(enrolled, code_at(START_STEP)) == device(enrolled)


def test_one_step_back_is_accepted(enrolled, clock):
    clock.shift(30)
    assert verify(enrolled, code_at(START_STEP))  # now one step back


@pytest.mark.parametrize("offset", [-2, -3, 1, 2])
def test_steps_outside_the_window_are_refused(enrolled, offset):
    refused(enrolled, code_at(START_STEP + offset))


def test_a_code_is_never_accepted_twice(enrolled, clock):
    code = code_at(START_STEP)
    verify(enrolled, code)
    clock.shift(1)
    clock_error = refused(enrolled, code)
    assert clock_error.status == 400


def test_no_code_at_or_before_the_last_accepted_step(enrolled, clock):
    clock.shift(20)
    verify(enrolled, code_at(START_STEP))
    clock.shift(15)  # next step: START_STEP is now "one step back" but already used
    refused(enrolled, code_at(START_STEP))
    clock.shift(60)
    verify(enrolled, code_at(START_STEP + 3))
    refused(enrolled, code_at(START_STEP + 2))  # in the window, but before the last accepted step


def test_the_enrolment_code_cannot_be_replayed_at_sign_in(enrolled):
    # The fixture confirmed the device with the code of START_STEP - 1, which is still in the window.
    refused(enrolled, code_at(START_STEP - 1))


def test_drift_is_learned_only_after_a_success(enrolled, clock):
    # A phone running a minute slow: its code is two steps back and refused, and the refusal teaches nothing.
    clock.shift(90)
    now = START_STEP + 3
    refused(enrolled, code_at(now - 2))
    assert device(enrolled).drift == 0
    device(enrolled).throttle_reset()
    # A late but valid code (one step back) is accepted and the offset is learned ...
    verify(enrolled, code_at(now - 1))
    assert device(enrolled).drift == -1
    # ... so that next time a code two steps back is accepted.
    clock.shift(60)
    verify(enrolled, code_at(now + 2 - 2))
    assert device(enrolled).drift == -2
    # The learned drift is bounded (PORTAL_TOTP_MAX_DRIFT_STEPS = 2) ...
    clock.shift(30)
    refused(enrolled, code_at(now + 3 - 4))
    assert device(enrolled).drift == -2
    # ... and the current step always works (and resets what was learned).
    clock.shift(30)
    verify(enrolled, code_at(now + 4))
    assert device(enrolled).drift == 0


def test_wrong_codes_get_growing_delays_and_a_hard_cap(enrolled, clock, settings):
    settings.PORTAL_TWO_STEP_MAX_FAILURES = 5
    refused(enrolled, "000000")
    # 1 s after the first failure: even the right code is not checked.
    waiting = refused(enrolled, code_at(START_STEP))
    assert waiting.status == 429 and "1" in str(waiting.message)
    for expected_wait in (1, 2, 4, 8):
        clock.shift(expected_wait)
        if expected_wait < 8:
            refused(enrolled, "000000")
            assert refused(enrolled, code_at(START_STEP)).status == 429
    # Fifth failure: locked, whatever the wait.
    refused(enrolled, "000000")
    assert device(enrolled).locked
    clock.shift(365 * 24 * 3600)
    locked = refused(enrolled, code_at(START_STEP + 365 * 24 * 120))
    assert locked.status == 429
    assert SecurityEvent.objects.filter(user=enrolled, kind=events.SECOND_FACTOR_LOCKED).count() == 1
    assert SecurityEvent.objects.filter(user=enrolled, kind=events.SECOND_FACTOR_FAILED).count() >= 5


def test_throttle_is_per_account_not_per_session(enrolled, clock, client):
    """The counter lives on the device row, so a new session or IP starts no fresh count."""
    refused(enrolled, "000000")
    from tests.two_factor.otp import sign_in_with_password

    sign_in_with_password(client, enrolled)
    data = {"method": "totp", "code": code_at(START_STEP)}
    response = client.post("/two-step/verify/", data, REMOTE_ADDR="192.0.2.99")
    assert response.status_code == 429


def test_a_locked_authenticator_does_not_lock_recovery_codes(enrolled, clock, settings):
    settings.PORTAL_TWO_STEP_MAX_FAILURES = 3
    for _attempt in range(3):
        refused(enrolled, "000000")
        clock.shift(3600)
    assert device(enrolled).locked
    assert RecoveryCodeDevice.objects.get(user=enrolled).throttling_failure_count == 0
    assert verify(enrolled, enrolled.recovery_codes[0], method="recovery")
    # Passing with the recovery code unlocks the authenticator: the user has proved who they are.
    assert not device(enrolled).locked


def test_wrong_recovery_codes_do_not_lock_the_authenticator(enrolled, clock, settings):
    settings.PORTAL_TWO_STEP_MAX_FAILURES = 3
    for _attempt in range(3):
        refused(enrolled, "2222-3333-4444-5555", method="recovery")
        clock.shift(3600)
    assert RecoveryCodeDevice.objects.get(user=enrolled).locked
    assert device(enrolled).throttling_failure_count == 0
    assert verify(enrolled, code_at(START_STEP + 360))


def test_each_recovery_code_works_once_and_its_use_is_notified(enrolled, clock):
    mail.outbox.clear()
    code = enrolled.recovery_codes[3]
    with django_capture_on_commit():
        verify(enrolled, code.upper().replace("-", " "), method="recovery")
    refused(enrolled, code, method="recovery")
    event = SecurityEvent.objects.get(user=enrolled, kind=events.RECOVERY_CODE_USED)
    assert event.details["remaining"] == 9
    assert code not in str(event.details)
    assert len(mail.outbox) == 1 and enrolled.email in mail.outbox[0].to
    clock.shift(5)  # past the 1 s delay of the refusal
    assert verify(enrolled, enrolled.recovery_codes[4], method="recovery")


def test_reauth_success_is_recorded(enrolled):
    second_factor_verify(user=enrolled, method_key="totp", code=code_at(START_STEP), client=SYSTEM, purpose=REAUTH)
    assert SecurityEvent.objects.filter(user=enrolled, kind=events.SECOND_FACTOR_PASSED).exists()


def test_unknown_method_or_no_device(user):
    with pytest.raises(SecondStepError):
        second_factor_verify(user=user, method_key="totp", code="123456", client=SYSTEM, purpose=SIGN_IN)
    with pytest.raises(SecondStepError):
        second_factor_verify(user=user, method_key="carrier-pigeon", code="1", client=SYSTEM, purpose=SIGN_IN)


def django_capture_on_commit():
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def test_no_code_or_secret_reaches_a_log_or_an_event(enrolled, caplog, clock):
    import logging

    from security.two_factor import crypto as two_factor_crypto
    from tests.two_factor.otp import FIXED_KEY

    caplog.set_level(logging.DEBUG)
    good, wrong, recovery = code_at(START_STEP), "123456", enrolled.recovery_codes[0]
    refused(enrolled, wrong)
    clock.shift(2)
    verify(enrolled, good)
    verify(enrolled, recovery, method="recovery")
    logged = caplog.text + str(list(SecurityEvent.objects.values_list("details", flat=True)))
    for secret in (good, wrong, recovery, recovery.replace("-", ""), FIXED_KEY.hex()):
        assert secret not in logged
    assert two_factor_crypto.totp_secret_base32(FIXED_KEY) not in logged
