"""Production keeps each worker's database connection between requests (``PORTAL_DB_CONN_MAX_AGE``), instead of
opening one per request, and checks it before reuse (``CONN_HEALTH_CHECKS``): a connection the database dropped (a
restart, a failover, an idle timeout) costs no failed request. docs/performance.md says what the reuse saves."""

import os
import time

import psycopg
import pytest

from tests.factories import PASSWORD
from tests.production.test_two_nodes import _create_user
from tests.servers.portal_node import WebClient, portal_node

pytestmark = pytest.mark.production

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
ADDRESS = "wang.fang@example.com"  # the user _create_user makes


@pytest.fixture(scope="module")
def node_and_database(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("connections")
    database = f"portal_connections_{os.getpid()}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}"')
        admin.execute(f'CREATE DATABASE "{database}"')
    env = {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "PORTAL_SERVE_DEMO": "false",
        "PORTAL_SMS_GATEWAY": "console",
        "PORTAL_SILENCED_SYSTEM_CHECKS": "phone.E001",
        "PORTAL_SERVE_WORKERS": "1",
        "PORTAL_ARGON2_TIME_COST": "1",
        "PORTAL_ARGON2_MEMORY_COST_KIB": "8192",
        "PORTAL_ARGON2_PARALLELISM": "1",
    }
    try:
        with portal_node(tmp, name="node", env=env) as node:
            _create_user(env["DATABASE_URL"])
            browser = WebClient(node)
            assert browser.sign_in(ADDRESS, PASSWORD).status == 302
            yield browser, database
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def backends(database: str) -> list[int]:
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        rows = admin.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s ORDER BY pid", (database,))
        return [row[0] for row in rows.fetchall()]


def overview(browser) -> int:
    return browser.get("/").status


def test_one_connection_serves_request_after_request(node_and_database):
    browser, database = node_and_database
    assert overview(browser) == 200
    first = backends(database)
    for _ in range(5):
        assert overview(browser) == 200
    assert len(first) == 1
    assert backends(database) == first


def test_a_connection_the_database_dropped_costs_no_failed_request(node_and_database):
    browser, database = node_and_database
    assert overview(browser) == 200
    (pid,) = backends(database)
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    deadline = time.monotonic() + 10
    while pid in backends(database) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert overview(browser) == 200
    assert backends(database) not in ([], [pid])
