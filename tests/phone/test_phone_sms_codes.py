"""The SMS code service: every rule of items 14, 15, 17 with a frozen clock."""

from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings

from security.client import Client
from security.models import SecurityEvent
from security.phone import services
from security.phone.errors import PhoneNumberRefused, SmsCodeRejected, SmsSendFailed, SmsSendRefused
from security.phone.models import PhoneBinding, SmsChallenge
from security.sms import SmsRejected, SmsUnavailable
from security.sms import test as test_gateway
from tests.factories import UserFactory
from tests.phone.conftest import code_in

A = "+8613812345678"
B = "+8613912345678"
CLIENT = Client(ip="203.0.113.5", user_agent="pytest")
T0 = "2026-05-01 08:00:00Z"

pytestmark = pytest.mark.django_db


def fullwidth(text: str) -> str:
    """What a Chinese IME types: the full-width form of ASCII characters."""
    return "".join(chr(ord(c) + 0xFEE0) for c in text)


def send(user, number=A, *, session="session-a", purpose="bind", client=CLIENT):
    return services.sms_code_send(
        user=user, number=number, purpose=purpose, session_key=session, client=client
    )


def verify(user, code, *, session="session-a", purpose="bind"):
    return services.sms_code_verify(user=user, purpose=purpose, session_key=session, code=code, client=CLIENT)


def last_code(outbox):
    return code_in(outbox[-1])


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def test_code_is_six_digits_stored_hashed_and_sms_names_service_and_validity(user, sms_outbox, clock):
    sent = send(user)
    assert sent.number == A
    assert [m.to for m in sms_outbox] == [A]
    code = last_code(sms_outbox)
    assert len(code) == 6 and code.isdigit()
    body = sms_outbox[0].body
    assert "Example Mail" in body and "5 minutes" in body
    assert body == f"Example Mail: your verification code is {code}. It is valid for 5 minutes."
    challenge = SmsChallenge.objects.get(user=user)
    assert code not in challenge.code_digest and code not in str(challenge.__dict__)
    assert sent.expires_at - sent.resend_at == timedelta(minutes=4)


def test_sms_is_in_the_users_language(sms_outbox, clock):
    user = UserFactory(language="zh-hans")
    send(user)
    assert "验证码" in sms_outbox[0].body
    assert "5 分钟" in sms_outbox[0].body


def test_codes_come_from_secrets(user, sms_outbox, clock, monkeypatch):
    calls = []

    def fake_randbelow(n):
        calls.append(n)
        return 42

    monkeypatch.setattr(services.secrets, "randbelow", fake_randbelow)
    send(user)
    assert calls == [1_000_000]
    assert last_code(sms_outbox) == "000042"
    assert verify(user, "000042") == A


def test_code_valid_for_five_minutes_then_expired(user, sms_outbox, clock):
    send(user)
    code = last_code(sms_outbox)
    clock.shift(5 * 60)
    with pytest.raises(SmsCodeRejected) as rejected:
        verify(user, code)
    assert rejected.value.code == "expired"


def test_code_just_before_expiry_works(user, sms_outbox, clock):
    send(user)
    clock.shift(5 * 60 - 1)
    assert verify(user, last_code(sms_outbox)) == A


def test_code_works_once(user, sms_outbox, clock):
    send(user)
    code = last_code(sms_outbox)
    assert verify(user, code) == A
    with pytest.raises(SmsCodeRejected) as rejected:
        verify(user, code)
    assert rejected.value.code == "used"


def test_five_wrong_tries_then_locked_even_for_the_right_code(user, sms_outbox, clock, other_code):
    send(user)
    code = last_code(sms_outbox)
    for remaining in (4, 3, 2, 1):
        with pytest.raises(SmsCodeRejected) as rejected:
            verify(user, other_code(code))
        assert (rejected.value.code, rejected.value.remaining) == ("wrong", remaining)
    with pytest.raises(SmsCodeRejected) as rejected:
        verify(user, other_code(code))
    assert rejected.value.code == "locked"
    with pytest.raises(SmsCodeRejected) as rejected:
        verify(user, code)
    assert rejected.value.code == "locked"
    # and no new code until the lockout ends
    clock.shift(61)
    with pytest.raises(SmsSendRefused) as refused:
        send(user)
    assert refused.value.code == "locked"
    assert refused.value.retry_at.isoformat() == "2026-05-01T09:00:00+00:00"
    assert SecurityEvent.objects.filter(user=user, kind="sms_code_failed").count() == 5


def test_after_the_lockout_counting_starts_again(user, sms_outbox, clock, other_code):
    send(user)
    for _ in range(5):
        with pytest.raises(SmsCodeRejected):
            verify(user, other_code(last_code(sms_outbox)))
    clock.shift(60 * 60)
    send(user)
    assert verify(user, last_code(sms_outbox)) == A


def test_resend_needs_sixty_seconds_and_keeps_the_failure_count(user, sms_outbox, clock, other_code):
    send(user)
    first = last_code(sms_outbox)
    for _ in range(3):
        with pytest.raises(SmsCodeRejected):
            verify(user, other_code(first))
    clock.shift(59)
    with pytest.raises(SmsSendRefused) as refused:
        send(user)
    assert refused.value.code == "cooldown"
    assert refused.value.retry_at.isoformat() == "2026-05-01T08:01:00+00:00"
    clock.shift(1)
    send(user)
    second = last_code(sms_outbox)
    assert len(sms_outbox) == 2
    # the new code replaced the old one ...
    if first != second:
        with pytest.raises(SmsCodeRejected) as rejected:
            verify(user, first)
        assert (rejected.value.code, rejected.value.remaining) == ("wrong", 1)
    else:  # one in a million: the same digits again; spend the failure another way
        with pytest.raises(SmsCodeRejected):
            verify(user, other_code(first))
    # ... and the failure count went on from 4, not from 0
    with pytest.raises(SmsCodeRejected) as rejected:
        verify(user, other_code(second))
    assert rejected.value.code == "locked"


def test_code_is_bound_to_the_session(user, sms_outbox, clock):
    send(user, session="session-a")
    with pytest.raises(SmsCodeRejected) as rejected:
        verify(user, last_code(sms_outbox), session="session-b")
    assert rejected.value.code == "no_code"
    assert verify(user, last_code(sms_outbox), session="session-a") == A


def test_code_is_bound_to_the_user(sms_outbox, clock):
    alice, bob = UserFactory(), UserFactory()
    send(alice)
    with pytest.raises(SmsCodeRejected) as rejected:
        verify(bob, last_code(sms_outbox))
    assert rejected.value.code == "no_code"


def test_code_is_bound_to_the_purpose(user, sms_outbox, clock):
    send(user, purpose="sign_in")
    with pytest.raises(SmsCodeRejected):
        verify(user, last_code(sms_outbox), purpose="bind")
    assert verify(user, last_code(sms_outbox), purpose="sign_in") == A


def test_code_for_number_a_never_binds_number_b(user, sms_outbox, clock):
    services.phone_bind_start(user=user, raw_number=A, session_key="session-a", client=CLIENT)
    code_for_a = last_code(sms_outbox)
    clock.shift(60)
    services.phone_bind_start(user=user, raw_number=B, session_key="session-a", client=CLIENT)
    code_for_b = last_code(sms_outbox)
    if code_for_a != code_for_b:
        with pytest.raises(SmsCodeRejected):
            services.phone_bind_confirm(user=user, code=code_for_a, session_key="session-a", client=CLIENT)
    assert not PhoneBinding.objects.filter(user=user).exists()
    binding = services.phone_bind_confirm(user=user, code=code_for_b, session_key="session-a", client=CLIENT)
    assert str(binding.number) == B


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("12345", "malformed"),
        ("1234567", "malformed"),
        ("12a456", "malformed"),
        (fullwidth("123456"), "malformed"),
        ("9" * 10_240, "malformed"),
        ("<script>", "malformed"),
        ("😀" * 6, "malformed"),
    ],
)
def test_malformed_codes_are_refused_without_counting(user, sms_outbox, clock, code, reason):
    send(user)
    with pytest.raises(SmsCodeRejected) as rejected:
        verify(user, code)
    assert rejected.value.code == reason
    assert SmsChallenge.objects.get(user=user).failures == 0


def test_code_with_spaces_is_accepted(user, sms_outbox, clock):
    send(user)
    code = last_code(sms_outbox)
    assert verify(user, f" {code[:3]} {code[3:]} ") == A


def test_no_code_sent(user, clock):
    with pytest.raises(SmsCodeRejected) as rejected:
        verify(user, "123456")
    assert rejected.value.code == "no_code"


def test_refused_number_never_reaches_the_gateway(user, sms_outbox, clock):
    for raw in ("010 6552 9988", "+1 212 555 0100", "12345", ""):
        with pytest.raises(PhoneNumberRefused):
            send(user, raw)
    assert sms_outbox == []
    assert not SmsChallenge.objects.filter(user=user, sent_at__isnull=False).exists()


def test_session_key_is_required(user):
    with pytest.raises(ValueError):
        send(user, session="")


# --- Send limits
# ------------------------------------------------------------------------------------------------
@pytest.fixture
def limits_clock():
    with time_machine.travel("2026-05-01 08:00:30Z", tick=False) as traveller:
        yield traveller


def test_limit_per_number_five_per_hour(sms_outbox, limits_clock):
    users = [UserFactory() for _ in range(6)]
    for u in users[:5]:
        send(u, session=f"s{u.pk}")
        limits_clock.shift(61)  # past the number's resend cooldown, within the hour
    with pytest.raises(SmsSendRefused) as refused:
        send(users[5], session="s-last")
    assert refused.value.code == "limit_number"
    assert refused.value.retry_at.isoformat() == "2026-05-01T09:00:00+00:00"
    assert len(sms_outbox) == 5
    send(users[5], B, session="s-last")  # another number is fine
    limits_clock.move_to("2026-05-01 09:00:00Z")
    send(users[5], session="s-last-2", purpose="sign_in")


def test_limit_per_account_ten_per_day(user, sms_outbox, limits_clock):
    numbers = [f"+86138{n:08d}" for n in range(11)]
    for number in numbers[:10]:
        send(user, number)
        limits_clock.shift(61)
    with pytest.raises(SmsSendRefused) as refused:
        send(user, numbers[10])
    assert refused.value.code == "limit_account"
    assert refused.value.retry_at.isoformat() == "2026-05-02T00:00:00+00:00"


@override_settings(PORTAL_SMS_LIMIT_PER_IP_PER_HOUR=3)
def test_limit_per_ip(sms_outbox, limits_clock):
    for n in range(3):
        send(UserFactory(), f"+86138{n:08d}")
    with pytest.raises(SmsSendRefused) as refused:
        send(UserFactory(), "+8613900000000")
    assert refused.value.code == "limit_ip"
    send(UserFactory(), "+8613900000000", client=Client(ip="198.51.100.7"))


@override_settings(PORTAL_SMS_LIMIT_GLOBAL_PER_DAY=2)
def test_global_daily_cap(sms_outbox, limits_clock):
    send(UserFactory(), "+8613800000001", client=Client(ip="198.51.100.1"))
    send(UserFactory(), "+8613800000002", client=Client(ip="198.51.100.2"))
    with pytest.raises(SmsSendRefused) as refused:
        send(UserFactory(), "+8613800000003", client=Client(ip="198.51.100.3"))
    assert refused.value.code == "limit_global"
    assert len(sms_outbox) == 2


@override_settings(PORTAL_SMS_LIMIT_PER_NUMBER_PER_HOUR=1, PORTAL_SMS_LIMIT_PER_ACCOUNT_PER_DAY=1)
@pytest.mark.parametrize("failure", [SmsUnavailable("timeout"), SmsRejected("no_route", 21612)])
def test_failed_send_uses_no_quota_and_no_cooldown(user, sms_outbox, limits_clock, failure):
    test_gateway.fail_next(failure)
    with pytest.raises(SmsSendFailed) as failed:
        send(user)
    assert failed.value.code == ("unavailable" if isinstance(failure, SmsUnavailable) else "no_route")
    assert not SmsChallenge.objects.filter(user=user).exclude(code_digest="").exists()
    send(user)  # at once: no cooldown, and the quota of 1 is still there
    assert len(sms_outbox) == 1


def test_failed_resend_keeps_the_old_code(user, sms_outbox, limits_clock):
    send(user)
    code = last_code(sms_outbox)
    limits_clock.shift(61)
    test_gateway.fail_next(SmsUnavailable("timeout"))
    with pytest.raises(SmsSendFailed):
        send(user)
    assert verify(user, code) == A


def test_refused_by_limit_gives_the_cooldown_back(user, sms_outbox, limits_clock):
    with override_settings(PORTAL_SMS_LIMIT_GLOBAL_PER_DAY=0), pytest.raises(SmsSendRefused):
        send(user)
    send(user)
    assert len(sms_outbox) == 1


def test_limit_message_says_when(user, limits_clock):
    from datetime import UTC, datetime

    from django.utils import translation

    error = SmsSendRefused("limit_number", retry_at=datetime(2026, 5, 1, 1, 0, tzinfo=UTC))
    with translation.override("en"):
        assert (
            error.message == "Too many codes were sent to this number. Try again at 09:00."
        )  # Asia/Shanghai


def test_helpdesk_removal_records_staff_and_reason(user, django_capture_on_commit_callbacks):
    from django.core import mail

    from tests.phone.factories import PhoneBindingFactory

    PhoneBindingFactory(user=user)
    staff = UserFactory(is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.phone_remove(user=user, client=CLIENT, actor=staff, reason="lost phone, verified by call")
    event = SecurityEvent.objects.get(user=user, kind="phone_removed")
    assert (event.actor, event.actor_kind) == (staff, "staff")
    assert event.details == {"number": "+86 138****5678", "reason": "lost phone, verified by call"}
    assert mail.outbox[0].to == [user.email]
