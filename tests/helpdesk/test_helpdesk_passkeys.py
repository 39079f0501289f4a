"""The helpdesk and passkeys (issue 16): staff see how many a user has, never a credential id or key, and the
two-step reset removes them (and the main password opens mail again only if the site allows it)."""

from django.test import Client

from security.passkeys.models import Passkey
from tests.factories import PASSWORD, UserFactory
from tests.passkeys.soft_authenticator import SoftAuthenticator


def user_with_passkeys(count: int):
    user = UserFactory()
    client = Client()
    client.post("/account/sign-in/", {"username": user.email, "password": PASSWORD})
    for number in range(count):
        options = client.get("/two-step/passkeys/add/").context["options"]
        response = client.post(
            "/two-step/passkeys/add/", {"name": f"Key {number}", "response": SoftAuthenticator().create(options)}
        )
        assert response.status_code == 302
    return user


def test_staff_see_the_count_never_the_key_and_the_reset_removes_them(helpdesk_client):
    user = user_with_passkeys(2)
    page = helpdesk_client.get(f"/admin/accounts/user/{user.pk}/change/").content.decode()
    assert 'data-testid="helpdesk-passkeys">2<' in page
    for key in Passkey.objects.filter(user=user):
        assert key.credential_id not in page and key.name not in page
    response = helpdesk_client.post(
        "/admin/accounts/user/helpdesk/reset_two_step/", {"ids": str(user.pk), "reason": "Ticket #9: lost keys"}
    )
    assert response.status_code == 302
    assert not Passkey.objects.filter(user=user).exists()
    user.refresh_from_db()
    assert not user.two_step_enabled
