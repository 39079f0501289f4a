"""The number of database queries a page makes does not grow with what the user has (issue 20): each page is
counted with 1 and with 50 app passwords, trusted devices, sessions and security events, and must make exactly as
many queries both times. A page that loads something per row (a lazy foreign key, a count per item) fails here."""

import hashlib
import secrets
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from security.app_passwords.models import AppPassword
from security.models import SecurityEvent
from security.sessions.models import UserSession
from security.trusted_devices.models import TrustedDevice

PAGES = ["/", "/app-passwords/", "/devices/", "/devices/sessions/", "/activity/"]
# The overview: session, user, then the phone and the two counts (one query), the recent events and the alert
# address (no authenticator query while two-step verification is off: the card shows no factors then).
MOST_QUERIES = {"/": 5, "/app-passwords/": 4, "/devices/": 3, "/devices/sessions/": 3, "/activity/": 5}
AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


def give(user, n: int) -> None:
    """``n`` of each kind of thing the pages list: app passwords (used for mail, so the activity page lists them),
    trusted devices, other signed-in sessions and security events."""
    now = timezone.now()
    AppPassword.objects.bulk_create(
        AppPassword(
            user=user,
            name=f"Client {i}",
            scope="all",
            token_sha256=hashlib.sha256(secrets.token_bytes(16)).hexdigest(),
            last_used_at=now - timedelta(minutes=i),
            last_used_ip="203.0.113.9",
            last_used_protocol="imap",
        )
        for i in range(n)
    )
    TrustedDevice.objects.bulk_create(
        TrustedDevice(
            user=user,
            lookup_id=secrets.token_hex(12),
            token_sha256=hashlib.sha256(secrets.token_bytes(16)).hexdigest(),
            security_stamp=user.security_stamp,
            name=f"Laptop {i}",
            user_agent=AGENT,
            created_at=now,
            last_seen_at=now - timedelta(minutes=i),
            last_ip="203.0.113.9",
            expires_at=now + timedelta(days=20),
        )
        for i in range(n)
    )
    UserSession.objects.bulk_create(
        UserSession(
            user=user,
            session_key=secrets.token_hex(16),
            security_stamp=user.security_stamp,
            user_agent=AGENT,
            ip_address="203.0.113.9",
            signed_in_at=now,
            last_activity_at=now - timedelta(seconds=i),
        )
        for i in range(n)
    )
    SecurityEvent.objects.bulk_create(
        SecurityEvent(
            user=user, actor=user, actor_kind="user", kind="account.signed_in", ip_address="203.0.113.9",
            user_agent=AGENT,
        )
        for _ in range(n)
    )  # fmt: skip


def queries_per_page(client) -> dict[str, int]:
    counts = {}
    for page in PAGES:
        client.get(page)  # the first visit may write (a session refresh); count the steady state
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page)
        assert response.status_code == 200, page
        counts[page] = len(captured.captured_queries)
    return counts


@pytest.mark.django_db
def test_queries_per_page_do_not_grow_with_the_users_data(user, client_signed_in):
    give(user, 1)
    with_one = queries_per_page(client_signed_in)
    give(user, 49)
    with_fifty = queries_per_page(client_signed_in)
    assert with_fifty == with_one
    # And the pages stay small: the shared cost of a signed-in request (the session and the user; the session
    # registry is read once a minute, not on every page) plus their own reads.
    assert all(with_one[page] <= most for page, most in MOST_QUERIES.items()), with_one
