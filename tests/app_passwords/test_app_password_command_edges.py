"""Issue 19, "Commands": dates and ids outside what can be stored end ``manage.py app_password`` with one clear
sentence and a non-zero exit (a CommandError, which Django prints without a traceback), never an exception."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from security.app_passwords.models import AppPassword
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "expires",
    [
        "9999-12-31T23:59:59-12:00",  # the OverflowError: past datetime.max once in UTC
        "9999-12-31T23:59:59.999999-00:01",
        "0001-01-01T00:00:00+14:00",
        "0001-01-01",
        "0001-01-01T00:00:00",
        "10000-01-01",
        "2027-02-30",
        "2027-01-31T25:00",
        "99999d",
        "-5d",
        "٣٠d",
        "２０２７-01-31",
        "soon",
    ],
)
def test_expiry_that_cannot_be_stored_is_one_sentence(expires):
    user = UserFactory()
    with pytest.raises(CommandError) as error:
        call_command(
            "app_password", "create", "--user", user.email, "--name", "Printer", "--scope", "smtp", "--expires", expires
        )
    message = str(error.value)
    assert message and "\n" not in message and "Traceback" not in message
    assert not AppPassword.objects.filter(user=user).exists()


def test_the_last_storable_day_still_works():
    user = UserFactory()
    call_command(
        "app_password",
        "create",
        "--user",
        user.email,
        "--name",
        "Printer",
        "--scope",
        "smtp",
        "--expires",
        "9999-12-30",
    )
    assert AppPassword.objects.get(user=user).expires_at.year == 9999


@pytest.mark.parametrize("app_password_id", [str(2**63), str(2**64), "0", "-1"])
def test_revoke_with_an_id_out_of_range_is_one_sentence(app_password_id):
    user = UserFactory()
    with pytest.raises(CommandError) as error:
        call_command("app_password", "revoke", "--user", user.email, "--id", app_password_id)
    assert "\n" not in str(error.value)
