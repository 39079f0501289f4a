import json

import pytest

SECRET = "policy-test-secret-0123456789"


@pytest.fixture
def policy(settings):
    """``policy("allow", {...})`` -> (HTTP status, reply dict): a request as Dovecot sends it, from 127.0.0.1."""
    from django.test import Client

    settings.PORTAL_MAIL_POLICY_SECRET = SECRET
    settings.PORTAL_MAIL_POLICY_HASH_NONCE = "nonce-for-tests"
    client = Client()

    def call(command, body, *, secret=SECRET, raw=None, remote_addr="127.0.0.1"):
        headers = {"HTTP_X_PORTAL_POLICY_KEY": secret} if secret is not None else {}
        data = raw if raw is not None else json.dumps(body)
        response = client.post(
            f"/mail-policy/?command={command}",
            data=data,
            content_type="application/json",
            REMOTE_ADDR=remote_addr,
            **headers,
        )
        return response.status_code, json.loads(response.content)

    return call


def login_body(login, remote="203.0.113.7", protocol="smtp", **extra):
    return {"login": login, "remote": remote, "protocol": protocol, "pwhash": "", "session_id": "s", **extra}


@pytest.fixture(params=["locmem", "redis"])
def cache_backend(request, settings):
    """The counters on the test cache and on real Redis (a key prefix of this run's own, removed after). Yields
    ``lose()``: what a cache restart does, without flushing anybody else's keys."""
    if request.param == "locmem":
        from django.core.cache import cache

        yield cache.clear
        return
    import os

    import redis

    url = "redis://127.0.0.1:6379/13"
    prefix = f"portal_policy_test_{os.getpid()}"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url, "KEY_PREFIX": prefix}
    }
    client = redis.Redis.from_url(url)

    def lose():
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)

    yield lose
    lose()
