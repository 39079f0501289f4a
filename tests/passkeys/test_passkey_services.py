"""Passkeys through the portal's pages with a software authenticator (issue 16): adding one turns two-step on and
closes the main password for mail, signing in and confirming with it, the one-time challenge bound to the session
and its expiry, a replayed counter refused and recorded, the origin and RP ID checked, removing, and the system
check on the RP ID. Chromium with its virtual authenticator is tests/browser/test_passkeys.py."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client

from accounts.models import User
from security.models import SecurityEvent
from security.passkeys import events
from security.passkeys.checks import passkey_relying_party_check
from security.passkeys.models import Passkey
from tests.factories import PASSWORD, UserFactory
from tests.passkeys.soft_authenticator import SoftAuthenticator

pytestmark = pytest.mark.django_db


def mail_logins() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT login FROM mail_accounts")
        return {row[0] for row in cursor.fetchall()}


def signed_in(user) -> Client:
    client = Client()
    response = client.post("/account/sign-in/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def add_passkey(client: Client, key: SoftAuthenticator, name: str = "Laptop"):
    options = client.get("/two-step/passkeys/add/").context["options"]
    return client.post("/two-step/passkeys/add/", {"name": name, "response": key.create(options)})


@pytest.fixture
def key():
    return SoftAuthenticator()


@pytest.fixture
def with_passkey(key):
    user = UserFactory()
    response = add_passkey(signed_in(user), key)
    assert response.status_code == 302, response.content[:300]
    user.refresh_from_db()
    return user


def verify_page(user) -> tuple[Client, dict]:
    client = Client()
    response = client.post("/account/sign-in/", {"username": user.email, "password": PASSWORD})
    assert response["Location"] == "/two-step/verify/"
    page = client.get("/two-step/verify/")
    assert page.context["method"].key == "passkey"  # offered first
    return client, page.context["challenge_options"]


def test_adding_a_passkey_turns_two_step_on_and_closes_the_main_password_for_mail(key):
    user = UserFactory()
    assert user.email in mail_logins()
    client = signed_in(user)
    response = add_passkey(client, key, name="  Blue key  ")
    assert response["Location"] == "/two-step/recovery-codes/"
    assert User.objects.get(pk=user.pk).two_step_enabled
    assert user.email not in mail_logins()  # the mail server's view follows "has a strong factor"
    assert len(client.get("/two-step/recovery-codes/").context["codes"]) == 10
    stored = Passkey.objects.get(user=user)
    assert stored.name == "Blue key" and stored.transports == "internal"
    page = client.get("/two-step/").content.decode()
    assert "Blue key" in page and stored.credential_id not in page  # names and dates, never key material


def test_a_row_added_behind_the_portals_back_also_closes_the_main_password(key):
    user = UserFactory()
    Passkey.objects.create(
        user=user, name="x", credential_id="abc", credential_sha256="0" * 64, public_key=b"k",
        created_at="2026-01-01T00:00Z",
    )
    assert user.email not in mail_logins()  # the trigger on the passkey table, not the portal's flag


def test_signing_in_with_a_passkey(with_passkey, key):
    client, options = verify_page(with_passkey)
    assert [c["id"] for c in options["allowCredentials"]] == [Passkey.objects.get().credential_id]
    response = client.post("/two-step/verify/", {"method": "passkey", "response": key.get(options)})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session["reauth_method"] == "passkey"
    stored = Passkey.objects.get()
    assert stored.sign_count == key.counter and stored.last_used_at is not None


def test_a_replayed_counter_is_refused_and_recorded(with_passkey, key):
    client, options = verify_page(with_passkey)
    assert client.post("/two-step/verify/", {"method": "passkey", "response": key.get(options)}).status_code == 302
    seen = Passkey.objects.get().sign_count
    clone, options = verify_page(with_passkey)
    refused = clone.post("/two-step/verify/", {"method": "passkey", "response": key.get(options, step=0)})
    assert refused.status_code == 400 and "_auth_user_id" not in clone.session
    assert SecurityEvent.objects.filter(user=with_passkey, kind=events.PASSKEY_CLONE_SUSPECTED).exists()
    assert Passkey.objects.get().sign_count == seen  # not moved by the clone
    # A lower counter too.
    lower, options = verify_page(with_passkey)
    key.counter = 0
    assert lower.post("/two-step/verify/", {"method": "passkey", "response": key.get(options)}).status_code == 400


def test_the_challenge_is_used_once_and_bound_to_the_session(with_passkey, key):
    client, options = verify_page(with_passkey)
    other, _options = verify_page(with_passkey)
    answer = key.get(options)
    # Another session cannot use this session's challenge (the other session's own challenge is different).
    assert other.post("/two-step/verify/", {"method": "passkey", "response": answer}).status_code == 400
    # The first answer, right or wrong, spends the challenge: a page shown again carries a new one.
    wrong = client.post("/two-step/verify/", {"method": "passkey", "response": key.get(options, origin="http://evil")})
    assert wrong.status_code == 400
    assert wrong.context["challenge_options"]["challenge"] != options["challenge"]
    assert client.post("/two-step/verify/", {"method": "passkey", "response": answer}).status_code == 400


def test_the_challenge_expires(with_passkey, key, clock):
    client, options = verify_page(with_passkey)
    clock.shift(timedelta(minutes=5, seconds=1))
    refused = client.post("/two-step/verify/", {"method": "passkey", "response": key.get(options)})
    assert refused.status_code == 400 and "已过期" in refused.content.decode()  # "That passkey request has expired."


def test_the_origin_and_the_rp_id_are_checked(with_passkey, key):
    client, options = verify_page(with_passkey)
    assert client.post(
        "/two-step/verify/", {"method": "passkey", "response": key.get(options, origin="https://phish.example")}
    ).status_code == 400
    client, options = verify_page(with_passkey)
    assert client.post(
        "/two-step/verify/", {"method": "passkey", "response": key.get(options, rp_id="phish.example")}
    ).status_code == 400
    assert "_auth_user_id" not in client.session


def test_the_confirm_page_takes_a_passkey(with_passkey, key, clock):
    client, options = verify_page(with_passkey)
    client.post("/two-step/verify/", {"method": "passkey", "response": key.get(options)})
    clock.shift(timedelta(minutes=11))  # the sign-in no longer counts as fresh
    assert client.get("/two-step/passkeys/add/")["Location"].startswith("/confirm/")
    page = client.get("/confirm/?next=/two-step/passkeys/add/")
    answer = key.get(page.context["challenge_options"])
    confirmed = client.post("/confirm/", {"method": "passkey", "response": answer, "next": "/two-step/passkeys/add/"})
    assert confirmed["Location"] == "/two-step/passkeys/add/"


def test_removing_the_last_strong_factor_is_turning_two_step_off(with_passkey, key):
    client, options = verify_page(with_passkey)
    client.post("/two-step/verify/", {"method": "passkey", "response": key.get(options)})
    passkey = Passkey.objects.get()
    assert client.post(f"/two-step/passkeys/{passkey.pk}/remove/", {"confirmed": "yes"})["Location"] == (
        "/two-step/disable/"
    )
    assert Passkey.objects.exists()
    assert client.post("/two-step/disable/", {"password": PASSWORD})["Location"] == "/two-step/"
    assert not Passkey.objects.exists()  # remove_all
    assert with_passkey.email in mail_logins()


def test_a_second_key_can_be_removed_and_renamed(with_passkey, key):
    client, options = verify_page(with_passkey)
    client.post("/two-step/verify/", {"method": "passkey", "response": key.get(options)})
    second = SoftAuthenticator()
    options = client.get("/two-step/passkeys/add/").context["options"]
    assert [c["id"] for c in options["excludeCredentials"]] == [Passkey.objects.get().credential_id]
    assert client.post("/two-step/passkeys/add/", {"name": "Phone", "response": second.create(options)})[
        "Location"
    ] == "/two-step/"
    first = Passkey.objects.get(name="Laptop")
    client.post(f"/two-step/passkeys/{first.pk}/rename/", {"name": "Work laptop"})
    assert Passkey.objects.filter(name="Work laptop").exists()
    assert client.get(f"/two-step/passkeys/{first.pk}/remove/").status_code == 200  # asks first
    assert client.post(f"/two-step/passkeys/{first.pk}/remove/", {"confirmed": "yes"})["Location"] == "/two-step/"
    assert list(Passkey.objects.values_list("name", flat=True)) == ["Phone"]
    assert SecurityEvent.objects.filter(kind=events.PASSKEY_REMOVED).exists()
    # Another user's key cannot be touched.
    stranger = signed_in(UserFactory())
    phone = Passkey.objects.get()
    stranger.post(f"/two-step/passkeys/{phone.pk}/rename/", {"name": "mine"})
    assert Passkey.objects.get().name == "Phone"


def test_the_same_credential_cannot_be_added_twice(with_passkey, key):
    client, options = verify_page(with_passkey)
    client.post("/two-step/verify/", {"method": "passkey", "response": key.get(options)})
    again = add_passkey(client, key)
    assert again.status_code == 400 and Passkey.objects.count() == 1


def test_the_rp_id_must_match_allowed_hosts(settings):
    settings.ALLOWED_HOSTS = ["portal.example.com"]
    settings.PORTAL_PASSKEY_RP_ID = "example.org"
    assert [m.id for m in passkey_relying_party_check()] == ["passkeys.E001"]
    settings.PORTAL_PASSKEY_RP_ID = "example.com"  # a parent domain of an allowed host
    settings.PORTAL_PASSKEY_ORIGINS = ["https://portal.example.com"]
    assert passkey_relying_party_check() == []
    settings.PORTAL_PASSKEY_ORIGINS = ["https://portal.example.org"]
    assert [m.id for m in passkey_relying_party_check()] == ["passkeys.E002"]


def test_an_answer_that_passed_cannot_be_replayed(with_passkey, key):
    from security.client import SYSTEM
    from security.passkeys.services import PasskeyError, passkey_assertion_verify

    client, options = verify_page(with_passkey)
    session_key = client.session.session_key
    answer = {"response": key.get(options, step=0)}  # a key without a counter (always 0): only the challenge stops it
    assert passkey_assertion_verify(user=with_passkey, answer=answer, client=SYSTEM, session_key=session_key) is None
    with pytest.raises(PasskeyError):
        passkey_assertion_verify(user=with_passkey, answer=answer, client=SYSTEM, session_key=session_key)


def test_the_overview_card_counts_the_keys(with_passkey, key):
    client, options = verify_page(with_passkey)
    client.post("/two-step/verify/", {"method": "passkey", "response": key.get(options)})
    page = client.get("/").content.decode()
    assert 'data-testid="card-passkeys">1 个通行密钥或安全密钥<' in page
