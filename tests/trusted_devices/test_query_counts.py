"""No page's query count grows with the number of devices or sessions a user has."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from security.sessions.models import UserSession
from security.trusted_devices.models import TrustedDevice
from tests.factories import PASSWORD
from tests.two_factor.otp import code_at, current_step

PAGES = ["/", "/devices/", "/devices/sessions/", "/two-step/"]


def queries_for(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def add_rows(user, n):
    import secrets

    now = timezone.now()
    for _index in range(n):
        TrustedDevice.objects.create(
            user=user,
            lookup_id=secrets.token_urlsafe(12),
            token_sha256="0" * 64,
            security_stamp=user.security_stamp,
            user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(days=30),
        )
        UserSession.objects.create(
            user=user,
            session_key=secrets.token_hex(16),
            security_stamp=user.security_stamp,
            signed_in_at=now,
            last_activity_at=now,
        )


def test_query_counts_do_not_grow(client, enrolled, clock):
    client.post("/account/sign-in/", {"username": enrolled.email, "password": PASSWORD})
    client.post("/two-step/verify/", {"method": "totp", "code": code_at(current_step())})
    add_rows(enrolled, 1)
    before = {path: queries_for(client, path) for path in PAGES}
    add_rows(enrolled, 30)
    after = {path: queries_for(client, path) for path in PAGES}
    assert after == before
