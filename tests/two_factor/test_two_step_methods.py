"""The slot for more second-step methods: a stand-in method with its own availability, challenge and check plugs into
the verify and confirm pages without touching them."""

import pytest
from django import forms
from django.test import Client

from security.models import SecurityEvent
from security.two_factor import events, methods
from security.two_factor.services import SecondStepError
from tests.two_factor.otp import sign_in_with_password

SENT = []


class FakeCodeForm(forms.Form):
    code = forms.CharField()


def fake_challenge(*, request, user, client):
    if user.full_name == "no-signal":
        raise SecondStepError("The phone cannot be reached.")
    SENT.append((user.pk, request.session.session_key))
    return "A code was sent to +86 138****5678."


def fake_verify(*, user, code, client, session_key):
    if code != "424242" or (user.pk, session_key) not in SENT:
        raise SecondStepError("That SMS code is not right.")
    return None  # no django-otp device: the session is not is_verified()


@pytest.fixture
def voice_method(enrolled):
    SENT.clear()
    methods.method_register(
        methods.SecondStepMethod(
            key="voice",
            order=20,
            form_class=FakeCodeForm,
            label="Text message",
            switch_label="Send me an SMS instead",
            template="security/two_factor/methods/totp.html",
            is_available=lambda user: user.pk == enrolled.pk,
            challenge=fake_challenge,
            verify=fake_verify,
        )
    )
    yield
    methods.method_unregister("voice")


def test_an_extra_method_is_offered_and_works(voice_method, enrolled, clock):
    client = Client()
    sign_in_with_password(client, enrolled)
    page = client.get("/two-step/verify/").content.decode()
    assert 'data-testid="method-voice"' in page and 'data-testid="method-recovery"' in page
    # Asking for a code verifies nothing.
    sent = client.post("/two-step/verify/", {"method": "voice", "action": "challenge"})
    assert sent.status_code == 200 and "+86 138****5678" in sent.content.decode()
    assert "_auth_user_id" not in client.session
    wrong = client.post("/two-step/verify/", {"method": "voice", "code": "000000"})
    assert wrong.status_code == 400 and "That SMS code is not right." in wrong.content.decode()
    assert SecurityEvent.objects.filter(
        user=enrolled, kind=events.SECOND_FACTOR_FAILED, details__method="voice"
    ).exists()
    ok = client.post("/two-step/verify/", {"method": "voice", "code": "424242"})
    assert ok.status_code == 302 and ok["Location"] == "/"
    assert client.session["reauth_method"] == "voice"
    assert "otp_device_id" not in client.session  # the admin would still ask for an authenticator code


def test_a_failing_challenge_is_a_message(voice_method, enrolled, clock):
    enrolled.full_name = "no-signal"
    enrolled.save()
    client = Client()
    sign_in_with_password(client, enrolled)
    response = client.post("/two-step/verify/", {"method": "voice", "action": "challenge"})
    assert response.status_code == 400 and "The phone cannot be reached." in response.content.decode()


def test_an_unavailable_method_falls_back_to_the_authenticator(enrolled, clock):
    client = Client()
    sign_in_with_password(client, enrolled)
    page = client.get("/two-step/verify/?method=voice").content.decode()
    assert 'value="totp"' in page and 'data-testid="method-voice"' not in page


def test_the_extra_method_counts_for_turning_two_step_off(voice_method, enrolled, clock):
    client = Client()
    sign_in_with_password(client, enrolled)
    client.post("/two-step/verify/", {"method": "voice", "action": "challenge"})
    client.post("/two-step/verify/", {"method": "voice", "code": "424242"})
    assert client.get("/two-step/disable/").status_code == 200
