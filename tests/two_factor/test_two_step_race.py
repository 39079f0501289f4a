"""Two requests racing with the same code (two tabs, a replayed request): exactly one wins (item 11)."""

import threading
import time

import pytest
from django.db import connection

from security.client import SYSTEM
from security.two_factor import crypto
from security.two_factor.services import SIGN_IN, SecondStepError, authenticator_enroll, second_factor_verify
from tests.factories import UserFactory

KEY = b"race-condition-key-1"


@pytest.mark.django_db(transaction=True)
def test_the_same_code_submitted_twice_at_once_is_accepted_once():
    user = UserFactory()
    step = int(time.time()) // 30
    authenticator_enroll(user=user, secret=KEY, code=crypto.totp_code(KEY, step - 1), client=SYSTEM)
    code = crypto.totp_code(KEY, int(time.time()) // 30)
    results, barrier = [], threading.Barrier(2)

    def attempt():
        barrier.wait()
        try:
            second_factor_verify(user=user, method_key="totp", code=code, client=SYSTEM, purpose=SIGN_IN)
            results.append("ok")
        except SecondStepError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["ok", "refused"]
