"""A factor whose challenge is not a typed code (the shape a passkey will use, issue 16) plugs in through the method
registry alone: it renders its own partial with JSON options, is checked with the posted answer, counts as a strong
factor (two-step on, recovery codes issued, the mail server's flag set), is what the disable page asks for, and is
removed when two-step verification is turned off. Nothing outside the registration below knows about it."""

from pathlib import Path

import pytest
from django import forms
from django.db import transaction
from django.test import Client

from accounts.models import User
from security.client import SYSTEM
from security.two_factor import events, methods
from security.two_factor.selectors import two_step_overview
from security.two_factor.services import SecondStepError, strong_factor_added
from tests.factories import PASSWORD, UserFactory
from tests.two_factor.otp import sign_in_with_password

KEYS: set[int] = set()  # users who "have a passkey"
CHALLENGE = "c2lnbi1tZS1wbGVhc2U"


class PasskeyAnswerForm(forms.Form):
    response = forms.CharField(widget=forms.HiddenInput)


def passkey_verify(*, user, answer, client, session_key):
    if answer.get("response") != f"signed:{CHALLENGE}":
        raise SecondStepError("That passkey did not answer.")
    return None


@pytest.fixture
def passkey_method(settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], Path(__file__).parent / "templates"]}
    ]
    KEYS.clear()
    real = methods.method_get("passkey")  # the real passkey method (security/passkeys) steps aside meanwhile
    methods.method_register(
        methods.SecondStepMethod(
            key="passkey",
            order=5,  # offered first when the user has one
            form_class=PasskeyAnswerForm,
            label="Passkey",
            switch_label="Use a passkey",
            template="tests/passkey_challenge.html",
            kind=methods.CUSTOM,
            challenge_options=lambda *, request, user: {"challenge": CHALLENGE, "rpId": "localhost"},
            is_available=lambda user: user.pk in KEYS,
            verify=passkey_verify,
            strong=True,
            describe=lambda user: {"count": 1} if user.pk in KEYS else None,
            remove_all=lambda user: KEYS.discard(user.pk),
            enrol_view="two_factor:recovery_codes",  # stands in for "add a passkey"
        )
    )
    yield
    methods.method_unregister("passkey")
    if real is not None:
        methods.method_register(real)
    KEYS.clear()


@pytest.fixture
def passkey_user(passkey_method, db):
    user = UserFactory()
    KEYS.add(user.pk)
    with transaction.atomic():
        user.recovery_codes = strong_factor_added(user=user, client=SYSTEM, kind="unused")
    return user


def test_a_passkey_alone_turns_two_step_on_with_recovery_codes(passkey_user):
    assert passkey_user.recovery_codes and len(passkey_user.recovery_codes) == 10
    assert User.objects.get(pk=passkey_user.pk).two_step_enabled  # the column the mail server's view reads
    assert methods.two_step_is_on(passkey_user)
    assert [m.key for m in methods.strong_methods_of(passkey_user)] == ["passkey"]
    overview = two_step_overview(user=passkey_user)
    assert overview["enabled"] and overview["factors"][0]["kind"] == "passkey"


def test_the_verify_page_renders_the_methods_own_challenge(passkey_user, clock):
    client = Client()
    sign_in_with_password(client, passkey_user)
    page = client.get("/two-step/verify/").content.decode()
    assert 'data-testid="passkey-challenge"' in page and 'name="response"' in page
    assert 'id="second-step-options"' in page and CHALLENGE in page  # JSON for the method's script
    assert 'name="code"' not in page and 'for=""' not in page  # no code field, not even an empty one
    assert 'data-testid="method-recovery"' in page


def test_signing_in_with_the_answer(passkey_user, clock):
    client = Client()
    sign_in_with_password(client, passkey_user)
    wrong = client.post("/two-step/verify/", {"method": "passkey", "response": "signed:other"})
    assert wrong.status_code == 400 and "That passkey did not answer." in wrong.content.decode()
    ok = client.post("/two-step/verify/", {"method": "passkey", "response": f"signed:{CHALLENGE}"})
    assert ok.status_code == 302 and ok["Location"] == "/"
    assert client.session["reauth_method"] == "passkey"


def test_turning_off_asks_for_the_passkey_and_removes_it(passkey_user, clock):
    client = Client()
    sign_in_with_password(client, passkey_user)
    client.post("/two-step/verify/", {"method": "recovery", "code": passkey_user.recovery_codes[0]})
    refused = client.get("/two-step/disable/")
    assert refused["Location"].startswith("/confirm/") and "method=passkey" in refused["Location"]
    clock.shift(30)
    confirmed = client.post(
        "/confirm/", {"method": "passkey", "response": f"signed:{CHALLENGE}", "next": "/two-step/disable/"}
    )
    assert confirmed["Location"] == "/two-step/disable/"
    assert client.post("/two-step/disable/", {"password": PASSWORD})["Location"] == "/two-step/"
    assert passkey_user.pk not in KEYS  # remove_all ran
    assert not User.objects.get(pk=passkey_user.pk).two_step_enabled
    from security.models import SecurityEvent

    assert SecurityEvent.objects.filter(user=passkey_user, kind=events.TWO_STEP_DISABLED).exists()


def test_its_enrol_page_stays_open_while_the_helpdesk_requires_setup(passkey_method, db):
    user = UserFactory(two_step_setup_required=True)
    client = Client()
    client.post("/account/sign-in/", {"username": user.email, "password": PASSWORD})
    assert client.get("/activity/")["Location"] == "/two-step/setup/"  # anything else sends to setting up
    assert client.get("/two-step/setup/").status_code == 200
    # The stand-in's enrol page is not sent to the authenticator's setup (it redirects on for its own reasons).
    assert client.get("/two-step/recovery-codes/")["Location"] != "/two-step/setup/"
    assert methods.enrol_views() == {"two_factor:setup", "two_factor:recovery_codes"}
