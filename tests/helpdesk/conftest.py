import pytest
from django.contrib.auth.models import Group
from django.test import Client

from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def helpdesk_user(db):
    staff = UserFactory(email="helpdesk@example.com", is_staff=True)
    staff.groups.add(Group.objects.get(name="Helpdesk"))
    return staff


@pytest.fixture
def helpdesk_client(helpdesk_user):
    client = Client()
    assert client.post("/account/sign-in/", {"username": helpdesk_user.email, "password": PASSWORD}).status_code == 302
    return client
