import time_machine
from django.http import HttpResponse
from django.test import RequestFactory

from security.reauth import reauth_required
from tests.factories import PASSWORD


@reauth_required
def sensitive(request):
    return HttpResponse("done")


def call(client, path="/sensitive/"):
    request = RequestFactory().get(path)
    request.session = client.session
    from django.contrib.auth import get_user

    request.user = get_user(request)
    return sensitive(request)


def test_fresh_right_after_password_sign_in_then_expires(client, user):
    with time_machine.travel("2026-05-01 08:00:00Z", tick=False) as clock:
        client.post("/account/sign-in/", {"username": user.email, "password": PASSWORD})
        assert call(client).status_code == 200
        clock.shift(9 * 60 + 59)
        assert call(client).status_code == 200
        clock.shift(2)
        response = call(client)
        assert response.status_code == 302
        assert response["Location"] == "/confirm/?next=%2Fsensitive%2F"


def test_reauth_page_with_password(client, user):
    with time_machine.travel("2026-05-01 08:00:00Z", tick=False) as clock:
        client.post("/account/sign-in/", {"username": user.email, "password": PASSWORD})
        clock.shift(30 * 60)
        assert call(client).status_code == 302
        wrong = client.post("/confirm/", {"password": "nope", "next": "/sensitive/"})
        assert wrong.status_code == 400
        assert call(client).status_code == 302
        ok = client.post("/confirm/", {"password": PASSWORD, "next": "/sensitive/"})
        assert ok["Location"] == "/sensitive/"
        assert call(client).status_code == 200


def test_reauth_next_cannot_leave_the_site(client_signed_in):
    response = client_signed_in.post("/confirm/", {"password": PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_password_freshness_does_not_count_once_two_step_is_on(client, user):
    client.post("/account/sign-in/", {"username": user.email, "password": PASSWORD})
    assert call(client).status_code == 200
    user.two_step_enabled = True
    user.save()
    assert call(client).status_code == 302
