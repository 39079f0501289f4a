import importlib

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from tests.factories import UserFactory
from tests.two_factor.otp import two_step_sign_in


def helpdesk_group() -> Group:
    """The group the data migration creates. A transactional test's flush empties it, so rebuild it the same way."""
    if not Group.objects.filter(name="Helpdesk").exists():
        from django.apps import apps

        migration = importlib.import_module("security.helpdesk.migrations.0001_helpdesk_group")
        migration.create_group(apps, None)
    return Group.objects.get(name="Helpdesk")


@pytest.fixture
def helpdesk_user(db):
    staff = UserFactory(email="helpdesk@example.com", is_staff=True)
    staff.groups.add(helpdesk_group())
    return staff


@pytest.fixture
def helpdesk_client(helpdesk_user):
    # Staff pass the second step to enter the admin (item 33).
    return two_step_sign_in(Client(), helpdesk_user)
