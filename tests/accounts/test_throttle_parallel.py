"""Item 6 against a live server: N wrong passwords sent at once get no more checks than N sent one by one.

Each attempt is reserved atomically before the password is hashed, on the store production uses: the counter table
when the cache is Django's database cache, and Redis (REDIS_URL) through Django's RedisCache.
"""

import re
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.cookiejar import CookieJar

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.db.models import Sum
from django.test import override_settings

from accounts import events
from security.models import SecurityEvent
from tests.factories import UserFactory

GUESSES = 12
REDIS_LOCATION = "redis://127.0.0.1:6379/0"


def _cache_settings(store: str) -> dict:
    if store == "redis":
        # A prefix of this run's own, so parallel test runs on one Redis never share counters.
        prefix = f"portal-test-{uuid.uuid4().hex}"
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_LOCATION,
            "KEY_PREFIX": prefix,
        }
    return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "portal_test_cache"}


@pytest.fixture(params=["database", "redis"])
def store(request, transactional_db):
    settings = _cache_settings(request.param)
    with override_settings(CACHES={"default": settings}):
        if request.param == "database":
            call_command("createcachetable", verbosity=0)
        from django.core.cache import cache

        cache.clear()
        yield request.param
        cache.clear()


class Browser:
    """One visitor: its own cookies, and the CSRF token from the sign-in page."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        page = self.opener.open(f"{base}/account/sign-in/").read().decode()
        self.token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    def sign_in(self, address: str, password: str) -> int:
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": self.token, "username": address, "password": password})
        request = urllib.request.Request(f"{self.base}/account/sign-in/", data=data.encode(), method="POST")  # noqa: S310 - the live server
        request.add_header("Referer", f"{self.base}/account/sign-in/")
        try:
            with self.opener.open(request) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


def _checks(address: str) -> int:
    """Password checks the server made for ``address``: each wrong one is counted by axes and recorded."""
    axes = AccessAttempt.objects.filter(username=address).aggregate(n=Sum("failures_since_start"))["n"] or 0
    recorded = SecurityEvent.objects.filter(user__email=address, kind=events.SIGN_IN_FAILED).count()
    assert axes == recorded
    return recorded


# Committed data for the live server. No serialized_rollback: restoring a snapshot collides with the content types
# that an earlier transactional test's flush re-created; tests that need the rows migrations fill restore them
# themselves (the ``dovecot`` fixture).
@pytest.mark.django_db(transaction=True)
# A first delay far longer than the test, so "one by one" never waits its way past the throttle on a slow machine.
@override_settings(PORTAL_LOGIN_FIRST_DELAY_SECONDS=600)
def test_parallel_guesses_get_no_more_checks_than_sequential_ones(live_server, store):
    one_by_one, at_once = UserFactory(email="one-by-one@example.com"), UserFactory(email="at-once@example.com")

    browser = Browser(live_server.url)
    sequential = [browser.sign_in(one_by_one.email, f"wrong-{n}") for n in range(GUESSES)]
    assert sequential == [400] * 3 + [429] * (GUESSES - 3)
    assert _checks(one_by_one.email) == 3

    browsers = [Browser(live_server.url) for _ in range(GUESSES)]
    start = threading.Barrier(GUESSES)
    statuses = []

    def guess(n):
        start.wait()
        statuses.append(browsers[n].sign_in(at_once.email, f"wrong-{n}"))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(GUESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(statuses) == GUESSES
    assert set(statuses) <= {400, 429}
    checked = statuses.count(400)
    assert 1 <= checked <= 3, statuses
    assert _checks(at_once.email) == checked
