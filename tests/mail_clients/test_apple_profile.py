"""The Apple configuration profile: every field against the settings, the app password inside it is a real one,
served once with no-store, behind a fresh confirmation, recorded like any app password; CMS-signed (checked with
openssl) when a certificate is configured."""

import logging
import plistlib
import re
import subprocess

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from security.app_passwords import events
from security.app_passwords.models import AppPassword, Scope
from security.app_passwords.tokens import token_sha256
from security.models import SecurityEvent
from tests.factories import PASSWORD
from tests.mail_clients.certs import make_chain

PROFILE = "/mail-setup/apple/"
IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)


def profile_form(client, **extra) -> dict:
    page = client.get(PROFILE, **extra)
    assert page.status_code == 200
    html = page.content.decode()
    key = re.search(r'name="creation_key" value="([^"]+)"', html).group(1)
    return {"name": "Lin’s iPhone", "creation_key": key}


def mail_payload(profile: dict) -> dict:
    [payload] = profile["PayloadContent"]
    return payload


def test_profile_carries_imap_smtp_address_and_a_new_app_password(client_signed_in, user, mail_settings):
    response = client_signed_in.post(PROFILE, profile_form(client_signed_in))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-apple-aspen-config"
    assert response["Content-Disposition"] == 'attachment; filename="example.com-mail.mobileconfig"'
    assert "no-store" in response["Cache-Control"]
    profile = plistlib.loads(response.content)
    assert profile["PayloadType"] == "Configuration" and profile["PayloadVersion"] == 1
    assert profile["PayloadOrganization"] == "Example Mail"
    assert profile["PayloadRemovalDisallowed"] is False
    payload = mail_payload(profile)
    app_password = AppPassword.objects.get(user=user)
    secret = payload["IncomingPassword"]
    assert token_sha256(secret) == app_password.token_sha256
    assert app_password.name == "Lin’s iPhone" and app_password.scope == Scope.ALL
    assert {key: value for key, value in payload.items() if not key.startswith("Payload")} == {
        "EmailAccountDescription": "Example Mail",
        "EmailAccountName": user.full_name,
        "EmailAccountType": "EmailTypeIMAP",
        "EmailAddress": user.email,
        "IncomingMailServerAuthentication": "EmailAuthPassword",
        "IncomingMailServerHostName": "imap.mail.test",
        "IncomingMailServerPortNumber": 1993,
        "IncomingMailServerUseSSL": True,
        "IncomingMailServerUsername": user.email,
        "IncomingPassword": secret,
        "OutgoingMailServerAuthentication": "EmailAuthPassword",
        "OutgoingMailServerHostName": "smtp.mail.test",
        "OutgoingMailServerPortNumber": 1587,
        "OutgoingMailServerUseSSL": True,  # STARTTLS: Apple's one switch, on
        "OutgoingMailServerUsername": user.email,
        "OutgoingPassword": secret,
        "OutgoingPasswordSameAsIncomingPassword": True,
    }
    assert payload["PayloadType"] == "com.apple.mail.managed" and payload["PayloadVersion"] == 1
    assert payload["PayloadIdentifier"].startswith(profile["PayloadIdentifier"])
    assert payload["PayloadUUID"] != profile["PayloadUUID"]


def test_plain_servers_turn_apples_ssl_switch_off(client_signed_in, mail_settings):
    mail_settings.PORTAL_MAIL_SMTP_SECURITY = "none"
    payload = mail_payload(plistlib.loads(client_signed_in.post(PROFILE, profile_form(client_signed_in)).content))
    assert payload["OutgoingMailServerUseSSL"] is False and payload["IncomingMailServerUseSSL"] is True


def test_profile_is_served_once(client_signed_in, user, mail_settings):
    form = profile_form(client_signed_in)
    first = client_signed_in.post(PROFILE, form)
    second = client_signed_in.post(PROFILE, form)
    assert first["Content-Type"] == "application/x-apple-aspen-config"
    assert second.status_code == 302 and second["Location"] == "/app-passwords/"
    assert AppPassword.objects.filter(user=user).count() == 1
    secret = mail_payload(plistlib.loads(first.content))["IncomingPassword"]
    assert secret not in client_signed_in.get("/app-passwords/").content.decode()


def test_the_secret_is_kept_nowhere(client_signed_in, user, mail_settings, caplog):
    caplog.set_level(logging.DEBUG)
    response = client_signed_in.post(PROFILE, profile_form(client_signed_in))
    secret = mail_payload(plistlib.loads(response.content))["IncomingPassword"]
    assert secret not in caplog.text
    assert all(secret not in str(value) for value in client_signed_in.session.values())
    assert secret not in repr(AppPassword.objects.filter(user=user).values().get())
    assert secret not in repr(list(SecurityEvent.objects.values_list("details", flat=True)))


def test_profile_needs_a_fresh_confirmation(client, user, mail_settings):
    with time_machine.travel("2026-05-01 08:00:00Z", tick=False) as clock:
        client.post("/account/sign-in/", {"username": user.email, "password": PASSWORD})
        form = profile_form(client)
        clock.shift(11 * 60)
        stale = client.post(PROFILE, form)
        assert stale.status_code == 302 and stale["Location"].startswith("/confirm/")
        assert client.get(PROFILE).status_code == 302
        assert not AppPassword.objects.exists()
        client.post("/confirm/", {"password": PASSWORD, "next": PROFILE})
        assert client.post(PROFILE, form)["Content-Type"] == "application/x-apple-aspen-config"


def test_signed_out_gets_the_sign_in_page(client, db):
    response = client.post(PROFILE, {"name": "x", "creation_key": "k" * 20})
    assert response.status_code == 302 and response["Location"].startswith("/account/sign-in/")


def test_profile_records_the_same_event_and_notification(
    client_signed_in, user, mail_settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_signed_in.post(PROFILE, profile_form(client_signed_in), HTTP_USER_AGENT=IPHONE_UA)
    event = SecurityEvent.objects.get(user=user, kind=events.CREATED)
    app_password = AppPassword.objects.get(user=user)
    assert event.details == {"name": "Lin’s iPhone", "app_password_id": app_password.pk, "scope": "all"}
    assert event.actor_id == user.pk
    assert [message.to for message in mail.outbox] == [[user.email]]


def test_device_name_is_preset_from_the_device(client_signed_in, mail_settings):
    html = client_signed_in.get(PROFILE, HTTP_USER_AGENT=IPHONE_UA).content.decode()
    assert re.search(r'name="name"[^>]*value="iPhone"', html)


@pytest.mark.parametrize(
    ("name", "message"), [("   ", "Give the"), ("x" * 65, "at most 64"), ("x" * 700, "shorter name")]
)
def test_bad_names_are_a_clear_message_and_make_nothing(client_signed_in, user, mail_settings, name, message):
    form = {**profile_form(client_signed_in), "name": name}
    response = client_signed_in.post(PROFILE, form, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AppPassword.objects.exists()


def test_limit_is_a_clear_message(client_signed_in, user, mail_settings, make_app_password):
    mail_settings.PORTAL_APP_PASSWORDS_MAX_ACTIVE = 1
    make_app_password(user)
    response = client_signed_in.post(PROFILE, profile_form(client_signed_in), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "You already have 1 active app passwords" in response.content.decode()
    assert AppPassword.objects.filter(user=user).count() == 1


# --- Signing -----------------------------------------------------------------------------------------------
def openssl_verify(signed: bytes, tmp_path, root_pem) -> subprocess.CompletedProcess:
    (tmp_path / "profile.der").write_bytes(signed)
    return subprocess.run(
        [
            "openssl", "cms", "-verify", "-inform", "DER", "-in", str(tmp_path / "profile.der"),
            "-CAfile", str(root_pem), "-purpose", "any", "-out", str(tmp_path / "content.plist"),
        ],
        capture_output=True,
        check=False,
    )  # fmt: skip


def test_unsigned_page_says_what_ios_will_show(client_signed_in, mail_settings):
    html = client_signed_in.get(PROFILE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="profile-unsigned"' in html and "“Unverified”" in html


def test_signed_profile_verifies_with_openssl_against_the_root(client_signed_in, user, mail_settings, tmp_path):
    chain = make_chain(tmp_path)
    mail_settings.PORTAL_MAIL_PROFILE_SIGNING_CERT = str(chain.cert_pem)
    mail_settings.PORTAL_MAIL_PROFILE_SIGNING_KEY = str(chain.key_pem)
    page = client_signed_in.get(PROFILE).content.decode()
    assert 'data-testid="profile-signed"' in page and "profile-unsigned" not in page
    response = client_signed_in.post(PROFILE, profile_form(client_signed_in))
    assert response["Content-Type"] == "application/x-apple-aspen-config"
    assert "no-store" in response["Cache-Control"]
    with pytest.raises(plistlib.InvalidFileException):
        plistlib.loads(response.content)  # DER, not a bare plist
    # Only the root is given to openssl: the intermediate must travel inside the signature.
    result = openssl_verify(response.content, tmp_path, chain.root_pem)
    assert result.returncode == 0, result.stderr
    profile = plistlib.loads((tmp_path / "content.plist").read_bytes())
    secret = mail_payload(profile)["IncomingPassword"]
    assert token_sha256(secret) == AppPassword.objects.get(user=user).token_sha256
    assert mail_payload(profile)["IncomingMailServerHostName"] == "imap.mail.test"
    other = make_chain(tmp_path, name="Someone else")
    assert openssl_verify(response.content, tmp_path, other.root_pem).returncode != 0


def test_half_configured_signing_fails_the_check_and_makes_no_profile(client_signed_in, mail_settings, tmp_path):
    chain = make_chain(tmp_path)
    mail_settings.PORTAL_MAIL_PROFILE_SIGNING_CERT = str(chain.cert_pem)
    with pytest.raises(SystemCheckError, match=r"mail_clients\.E003"):
        call_command("check")
    response = client_signed_in.post(PROFILE, profile_form(client_signed_in), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Profiles cannot be made right now" in response.content.decode()
    assert not AppPassword.objects.exists()


def test_a_key_that_is_not_the_certificates_fails_the_check(mail_settings, tmp_path):
    chain, other = make_chain(tmp_path), make_chain(tmp_path, name="other")
    mail_settings.PORTAL_MAIL_PROFILE_SIGNING_CERT = str(chain.cert_pem)
    mail_settings.PORTAL_MAIL_PROFILE_SIGNING_KEY = str(other.key_pem)
    with pytest.raises(SystemCheckError, match="does not belong"):
        call_command("check")


def test_a_signing_failure_leaves_no_app_password(client_signed_in, mail_settings, tmp_path, monkeypatch):
    from security.mail_clients.signing import ProfileSigner

    chain = make_chain(tmp_path)
    mail_settings.PORTAL_MAIL_PROFILE_SIGNING_CERT = str(chain.cert_pem)
    mail_settings.PORTAL_MAIL_PROFILE_SIGNING_KEY = str(chain.key_pem)

    def refuse(self, data):
        raise ValueError("unsupported key")  # what cryptography raises for a key it cannot sign with

    monkeypatch.setattr(ProfileSigner, "sign", refuse)
    response = client_signed_in.post(PROFILE, profile_form(client_signed_in), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Profiles cannot be made right now" in response.content.decode()
    assert not AppPassword.objects.exists()
    assert not SecurityEvent.objects.filter(kind=events.CREATED).exists()


def test_with_two_step_on_a_password_is_not_enough(client_signed_in, user, mail_settings):
    form = profile_form(client_signed_in)
    user.two_step_enabled = True
    user.save()
    response = client_signed_in.post(PROFILE, form)
    assert response.status_code == 302 and response["Location"].startswith("/confirm/?next=")
    assert not AppPassword.objects.exists()


def test_a_fresh_second_factor_is_enough(enrolled, clock, mail_settings):
    from django.test import Client

    from tests.two_factor.otp import code_at, current_step, sign_in_with_password

    client = Client()
    sign_in_with_password(client, enrolled)
    assert client.post("/two-step/verify/", {"method": "totp", "code": code_at(current_step())}).status_code == 302
    response = client.post(PROFILE, profile_form(client))
    assert response["Content-Type"] == "application/x-apple-aspen-config"
    assert AppPassword.objects.filter(user=enrolled).count() == 1
