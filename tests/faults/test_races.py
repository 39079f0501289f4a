"""Races the production issue names that were not yet covered elsewhere (the SMS code and the app-password limit
races are in tests/phone/test_phone_views.py and tests/app_passwords/test_app_password_pages.py, the TOTP one in
tests/two_factor/test_two_step_race.py). Threads against the real database: run on PostgreSQL and MariaDB too."""

import threading

import pytest
from django.db import connection

from security.client import SYSTEM
from security.two_factor.services import SIGN_IN, SecondStepError, second_factor_verify


def race(count: int, attempt) -> list[str]:
    results, barrier = [], threading.Barrier(count)

    def run():
        barrier.wait()
        try:
            results.append(attempt())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_one_recovery_code_used_from_four_tabs_at_once_works_once(enrolled, clock):
    code = enrolled.recovery_codes[0]

    def attempt():
        try:
            second_factor_verify(user=enrolled, method_key="recovery", code=code, client=SYSTEM, purpose=SIGN_IN)
            return "ok"
        except SecondStepError:
            return "refused"

    assert sorted(race(4, attempt)) == ["ok", "refused", "refused", "refused"]
    # The three refusals count as wrong codes; once their short delay has passed, the other codes still work.
    clock.shift(60)
    assert second_factor_verify(
        user=enrolled, method_key="recovery", code=enrolled.recovery_codes[1], client=SYSTEM, purpose=SIGN_IN
    ) is not None
