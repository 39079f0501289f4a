"""``/health/``: up or down, and nothing more for the public; the reason goes to the log."""

import logging

import pytest


@pytest.mark.django_db(transaction=True)
def test_health_is_up_with_database_cache_and_mail_views(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "up"}


@pytest.mark.django_db(transaction=True)
def test_health_is_down_without_the_cache_and_says_why_only_in_the_log(client, settings, caplog):
    # A Redis nobody listens on: the cache is what fails, as when Redis goes away.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    with caplog.at_level(logging.WARNING, logger="health_check"):
        response = client.get("/health/", HTTP_ACCEPT="application/json")
    assert response.status_code == 503
    assert response.json() == {"status": "down"}
    assert "Cache" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_health_is_down_when_a_mail_server_view_is_missing(client, monkeypatch):
    # As after a half-applied migration: one name the probe reads does not exist in the database.
    monkeypatch.setattr("portal.health.MAIL_SERVER_VIEWS", ("mail_accounts", "mail_app_passwords_missing"))
    response = client.get("/health/?format=json")
    assert response.status_code == 503
    assert response.json() == {"status": "down"}
    assert "mail_app_passwords" not in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_health_answers_when_the_caller_already_runs_an_event_loop(client):
    # As under Playwright's sync API in this suite, or an async-minded WSGI wrapper: the probes get their own loop.
    import asyncio

    async def from_inside_a_loop():
        return client.get("/health/")

    # A thread of its own, so the test does not depend on whether this thread already runs a loop.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as thread:
        response = thread.submit(asyncio.run, from_inside_a_loop()).result()
    assert response.status_code == 200 and response.json() == {"status": "up"}
