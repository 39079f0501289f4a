import pytest
from django.contrib.auth.models import Group
from django.test import Client

from tests.factories import UserFactory
from tests.two_factor.otp import two_step_sign_in


@pytest.fixture
def helpdesk_user(db):
    staff = UserFactory(email="helpdesk@example.com", is_staff=True)
    staff.groups.add(Group.objects.get(name="Helpdesk"))
    return staff


@pytest.fixture
def helpdesk_client(helpdesk_user):
    # Staff pass the second step to enter the admin (SECURITY.md 33).
    return two_step_sign_in(Client(), helpdesk_user)
