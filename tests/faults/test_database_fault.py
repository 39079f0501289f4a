"""The database fails half-way through a change (a dropped connection, a failover): nothing half-made remains.

The fault is injected at the last write of each service, after its main row was written in the same
transaction, so only the transaction can undo it. The user gets the translated "nothing was changed, try again"
page (503), never a server error.
"""

import pytest
from django.db import OperationalError

from security.app_passwords.models import AppPassword
from security.phone.models import PhoneBinding
from tests.phone.conftest import (
    code_in,
    sms_outbox,  # noqa: F401 (a fixture)
)

NOTHING_CHANGED = "服务暂时不可用，您的操作没有生效"


def failing_at(kind: str, original):
    """``security_event_record`` that loses the connection when it is asked to record ``kind``."""

    def record(**kwargs):
        if kwargs.get("kind") == kind:
            raise OperationalError("server closed the connection unexpectedly")
        return original(**kwargs)

    return record


@pytest.mark.django_db(transaction=True)
def test_an_app_password_is_never_half_created(client_signed_in, user, monkeypatch):
    from security.app_passwords import events, services

    monkeypatch.setattr(services, "security_event_record", failing_at(events.CREATED, services.security_event_record))
    client_signed_in.raise_request_exception = False
    page = client_signed_in.get("/app-passwords/new/")
    key = page.context["form"]["creation_key"].value()
    response = client_signed_in.post(
        "/app-passwords/new/", {"name": "Outlook", "scope": "smtp", "creation_key": key, "expires_in_days": ""}
    )
    assert response.status_code == 503
    assert NOTHING_CHANGED in response.content.decode()
    assert not AppPassword.objects.filter(user=user).exists()


@pytest.mark.django_db(transaction=True)
def test_a_phone_is_never_half_bound(client_signed_in, user, monkeypatch, sms_outbox):  # noqa: F811
    from security.phone import events, services

    client_signed_in.raise_request_exception = False
    assert client_signed_in.post("/phone/", {"number": "138 1234 5678"}).status_code == 302
    failing = failing_at(events.PHONE_BOUND, services.security_event_record)
    monkeypatch.setattr(services, "security_event_record", failing)
    response = client_signed_in.post("/phone/confirm/", {"code": code_in(sms_outbox[0])})
    assert response.status_code == 503
    assert NOTHING_CHANGED in response.content.decode()
    assert not PhoneBinding.objects.filter(user=user).exists()
    # The code was not used up by the failed attempt: the user can simply try again.
    monkeypatch.undo()
    assert client_signed_in.post("/phone/confirm/", {"code": code_in(sms_outbox[0])}).status_code == 302
    assert PhoneBinding.objects.filter(user=user).count() == 1
