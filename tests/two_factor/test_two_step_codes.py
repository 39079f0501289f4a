"""Items 11, 12: the code window, replay, drift, throttling with a hard cap, one device never locks another."""

import pytest
from django.core import mail
from django.utils import translation

from security.client import SYSTEM
from security.models import SecurityEvent
from security.two_factor import events
from security.two_factor.models import AuthenticatorDevice, RecoveryCodeDevice
from security.two_factor.services import REAUTH, SIGN_IN, SecondStepError, second_factor_verify
from tests.two_factor.otp import FIXED_KEY, START_STEP, code_at

# The sentences a refusal must show, in English and in Chinese (the test site's language).
WRONG = ("That code is not right. Try again.", "验证码不正确，请重试。")
CLOCK = (
    "That code is for a different time than ours. Make sure your phone sets its clock automatically, "
    "then enter the next code your app shows.",
    "这个验证码对应的时间与我们的不一致。请确认您的手机自动设置时间，然后输入应用显示的下一个验证码。",
)
WAIT = (
    "Too many wrong codes. Wait %(seconds)d seconds and try again.",
    "验证码错误次数过多。请等待 %(seconds)d 秒后再试。",
)
LOCKED = (
    "Too many wrong codes: this method is locked. Use another method, such as a recovery code, "
    "or contact the helpdesk.",
    "验证码错误次数过多，该验证方式已被锁定。请改用其他方式（例如恢复码），或联系客服。",
)


def verify(user, code, method="totp"):
    return second_factor_verify(user=user, method_key=method, code=code, client=SYSTEM, purpose=SIGN_IN)


def refused(user, code, method="totp", *, status=400, message=WRONG, seconds=None) -> SecondStepError:
    """The code is refused with exactly this status and sentence (in both languages): a throttle or a clock
    hint never passes for a wrong-code refusal, nor the other way round."""
    english, chinese = (text % {"seconds": seconds} if seconds is not None else text for text in message)
    with pytest.raises(SecondStepError) as info:
        verify(user, code, method)
    error = info.value
    assert error.status == status, (error.status, str(error.message))
    if isinstance(error.message, str):  # formatted when raised, in the active language (the site's: Chinese)
        assert translation.get_language() == "zh-hans"
        assert error.message == chinese
        return error
    with translation.override("en"):
        assert str(error.message) == english
    with translation.override("zh-hans"):
        assert str(error.message) == chinese
    return error


def device(user) -> AuthenticatorDevice:
    return AuthenticatorDevice.objects.get(user=user)


def fresh_device(user, *, drift=0) -> AuthenticatorDevice:
    """An authenticator that has never accepted a code (no ``last_t``), so only the window decides."""
    AuthenticatorDevice.objects.filter(user=user).delete()
    new = AuthenticatorDevice(user=user, name="app", confirmed=True, drift=drift)
    new.seal_secret(FIXED_KEY)
    new.save()
    return new


def test_current_step_is_accepted(enrolled):
    assert verify(enrolled, code_at(START_STEP)) == device(enrolled)


def test_one_step_back_is_accepted(enrolled, clock):
    clock.shift(30)
    assert verify(enrolled, code_at(START_STEP))  # now one step back


# -2, +1 and +2 are within the drift limit: right code, wrong time, so the clock hint; -3 is simply wrong.
@pytest.mark.parametrize(("offset", "message"), [(-2, CLOCK), (-3, WRONG), (1, CLOCK), (2, CLOCK)])
def test_steps_outside_the_window_are_refused(user, clock, offset, message):
    fresh_device(user)  # nothing accepted yet: the replay rule cannot be what refuses it
    refused(user, code_at(START_STEP + offset), message=message)


# (stored drift, offsets accepted now). PORTAL_TOTP_MAX_DRIFT_STEPS = 2: no accepted step is more than two steps
# from now, so a drift of -2 (as the old code could learn) acts as -1, and three steps back is never accepted.
WINDOWS = [(0, {0, -1}), (-1, {-1, -2}), (1, {1, 0}), (2, {2, 1}), (-2, {-1, -2}), (5, {2, 1})]


@pytest.mark.parametrize("second", [0, 29.999])  # the first and the last moment of the current step
@pytest.mark.parametrize(("drift", "accepted"), WINDOWS)
def test_a_drift_moves_the_two_accepted_steps_and_never_widens_them(user, clock, drift, accepted, second):
    clock.shift(second)
    for offset in range(-5, 6):
        fresh_device(user, drift=drift)
        code = code_at(START_STEP + offset)
        if offset in accepted:
            assert verify(user, code), offset
        else:
            refused(user, code, message=CLOCK if abs(offset) <= 2 else WRONG)
    assert -3 not in accepted


def test_the_drift_limit_is_a_setting(user, clock, settings):
    settings.PORTAL_TOTP_MAX_DRIFT_STEPS = 3
    for offset, ok in [(-4, False), (-3, True), (-2, True), (-1, False), (0, False)]:
        fresh_device(user, drift=-2)
        if ok:
            assert verify(user, code_at(START_STEP + offset))
        else:
            refused(user, code_at(START_STEP + offset), message=CLOCK if offset >= -3 else WRONG)


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


def test_a_slow_phone_moves_the_window_with_a_refused_code_and_its_next_code_works(enrolled, clock):
    clock.shift(90)
    now = START_STEP + 3
    # A random wrong code teaches nothing.
    refused(enrolled, "000000")
    assert device(enrolled).drift == 0
    clock.shift(2)
    # A phone running a minute slow shows the code of two steps back: refused, with a hint, and the window moves.
    refused(enrolled, code_at(now - 2), message=CLOCK)
    learned = device(enrolled)
    assert (learned.drift, learned.last_t) == (-1, now - 2)
    clock.shift(4)
    # That very code is never accepted later, though it is now inside the window.
    refused(enrolled, code_at(now - 2))
    # The phone's next code (a step later) is accepted, and the window stays where the phone is.
    clock.shift(30)
    assert verify(enrolled, code_at(now - 1))
    assert device(enrolled).drift == -1
    # Two steps later the current step (now + 2) is outside the window ...
    clock.shift(30)
    assert device(enrolled).candidate_steps() == [now + 1, now]
    # ... and a phone whose clock was fixed moves it back the same way.
    refused(enrolled, code_at(now + 2), message=CLOCK)
    assert device(enrolled).drift == 0
    clock.shift(30)
    assert verify(enrolled, code_at(now + 3))


def test_successes_do_not_move_the_window(enrolled, clock):
    """A code typed just after the step changed is one step back; that is no reason to stop accepting the
    current step next time."""
    clock.shift(30)
    assert verify(enrolled, code_at(START_STEP))  # one step back
    assert device(enrolled).drift == 0
    clock.shift(30)
    assert verify(enrolled, code_at(START_STEP + 2))  # the current step still works


def test_wrong_codes_get_growing_delays_and_a_hard_cap(enrolled, clock, settings):
    settings.PORTAL_TWO_STEP_MAX_FAILURES = 5
    refused(enrolled, "000000")
    # 1 s after the first failure: even the right code is not checked.
    refused(enrolled, code_at(START_STEP), status=429, message=WAIT, seconds=1)
    for expected_wait in (1, 2, 4, 8):
        clock.shift(expected_wait)
        if expected_wait < 8:
            refused(enrolled, "000000")
            refused(enrolled, code_at(START_STEP), status=429, message=WAIT, seconds=expected_wait * 2)
    # Fifth failure: locked, whatever the wait.
    refused(enrolled, "000000")
    assert device(enrolled).locked
    clock.shift(365 * 24 * 3600)
    refused(enrolled, code_at(START_STEP + 365 * 24 * 120), status=429, message=LOCKED)
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
