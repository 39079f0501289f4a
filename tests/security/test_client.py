import pytest
from django.test import RequestFactory, override_settings
from django.utils import translation

from security.client import Client, client_ip, describe_user_agent

WINDOWS_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
)
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Mobile/15E148 Safari/604.1"
)


@pytest.mark.parametrize(
    ("agent", "expected"),
    [(WINDOWS_CHROME, "Chrome on Windows"), (IPHONE_SAFARI, "Safari on iPhone"), ("", "Unknown device")],
)
def test_user_agents_get_readable_names(agent, expected):
    with translation.override("en"):
        assert describe_user_agent(agent) == expected


def test_device_names_are_translated():
    with translation.override("zh-hans"):
        assert describe_user_agent(WINDOWS_CHROME) == "Windows 上的 Chrome"


def test_client_ip_ignores_forwarded_for_unless_a_proxy_is_trusted():
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7, 10.0.0.1")
    assert client_ip(request) == "10.0.0.2"
    with override_settings(PORTAL_TRUSTED_PROXY_COUNT=1):
        assert client_ip(request) == "10.0.0.1"
    with override_settings(PORTAL_TRUSTED_PROXY_COUNT=2):
        assert client_ip(request) == "203.0.113.7"


def test_oversized_user_agent_is_cut():
    request = RequestFactory().get("/", HTTP_USER_AGENT="x" * 10_000)
    assert len(Client.from_request(request).user_agent) == 512


def test_activity_page_names_the_device(client_signed_in, user):
    client_signed_in.post("/account/sign-out/")
    from tests.factories import PASSWORD

    client_signed_in.post(
        "/account/sign-in/",
        {"username": user.email, "password": PASSWORD},
        HTTP_USER_AGENT=IPHONE_SAFARI,
        REMOTE_ADDR="203.0.113.7",
    )
    page = client_signed_in.get("/activity/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Safari on iPhone · 203.0.113.7" in page


@pytest.mark.parametrize(
    "forwarded",
    [
        "not-an-ip",
        "203.0.113.7:8080",
        "[2001:db8::1]:443",
        "fe80::1%eth0",
        "203.0.113.256",
        "010.0.0.1",
        "<script>",
        "' OR 1=1 --",
        "1.2.3.4 5.6.7.8",
        "x" * 5000,
    ],
)
def test_forwarded_junk_falls_back_to_remote_addr(forwarded):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"198.51.100.1, {forwarded}")
    with override_settings(PORTAL_TRUSTED_PROXY_COUNT=1):
        assert client_ip(request) == "10.0.0.2"


def test_forwarded_addresses_are_stored_in_canonical_form():
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="2001:DB8:0:0::1")
    with override_settings(PORTAL_TRUSTED_PROXY_COUNT=1):
        assert client_ip(request) == "2001:db8::1"


@override_settings(PORTAL_TRUSTED_PROXY_COUNT=1)
def test_junk_never_reaches_the_audit_log_or_the_throttle(client, user):
    from accounts import events
    from security.models import SecurityEvent

    for _ in range(3):
        client.post(
            "/account/sign-in/",
            {"username": user.email, "password": "wrong-password"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="junk' OR 1=1",
        )
    failed = SecurityEvent.objects.filter(user=user, kind=events.SIGN_IN_FAILED)
    assert failed.count() == 3
    assert set(failed.values_list("ip_address", flat=True)) == {"10.0.0.2"}
