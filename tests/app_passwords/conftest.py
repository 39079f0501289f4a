"""Fixtures for app passwords. Dovecot and the SMTP sink are session fixtures in tests/conftest.py."""

import pytest

from security.app_passwords.services import app_password_create
from security.client import SYSTEM


@pytest.fixture
def make_app_password():
    def make(user, *, scope="smtp", name="Thunderbird", **kwargs):
        return app_password_create(user=user, name=name, scope=scope, actor=None, client=SYSTEM, **kwargs)

    return make
