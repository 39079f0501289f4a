"""Redis (the shared cache) goes away: sign-in and SMS fail closed, with a translated page and nothing written.

The throttles and quotas live only there, so going on without them would mean unlimited guesses and unlimited
SMS. The user sees a 503 that says nothing changed, in their language, never a server error.
"""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from security.models import SecurityEvent
from security.phone.models import PhoneBinding
from tests.factories import PASSWORD
from tests.phone.conftest import sms_outbox  # noqa: F401 (a fixture)

REDIS_NOBODY_LISTENS = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
}


def assert_unavailable_page(response, language_text: str):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert language_text in body
    assert "Traceback" not in body and "redis" not in body.lower()


@pytest.mark.django_db(transaction=True)
def test_sign_in_without_redis_is_a_translated_503_and_signs_nobody_in(user, settings):
    settings.CACHES = REDIS_NOBODY_LISTENS
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="zh-CN")
    response = client.post("/account/sign-in/", {"username": user.email, "password": PASSWORD})
    assert_unavailable_page(response, "服务暂时不可用，您的操作没有生效")
    assert not Session.objects.exists()
    assert not SecurityEvent.objects.filter(user=user).exists()


@pytest.mark.django_db(transaction=True)
def test_binding_a_phone_without_redis_sends_nothing(client_signed_in, user, settings, sms_outbox):  # noqa: F811
    settings.CACHES = REDIS_NOBODY_LISTENS
    client_signed_in.raise_request_exception = False
    response = client_signed_in.post("/phone/", {"number": "138 1234 5678"}, HTTP_ACCEPT_LANGUAGE="en")
    assert_unavailable_page(response, "The service is briefly unavailable. Nothing was changed.")
    assert sms_outbox == []
    assert not PhoneBinding.objects.filter(user=user).exists()


def test_any_other_error_is_the_same_page_with_500(rf):
    from portal.errors import server_error

    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "a bug" not in response.content.decode()
