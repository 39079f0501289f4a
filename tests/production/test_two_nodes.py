"""Two web nodes behind one proxy share one PostgreSQL and one Redis (issue: production, "More than one machine").

Counters, throttles and quotas live in Redis, sessions in the database, so whatever one node sets the other
enforces. Each node is ``scripts/serve`` with the production settings, as a deployer runs it on each machine.
"""

import os
import re
import time

import psycopg
import pytest
import redis

from tests.factories import PASSWORD
from tests.servers.portal_node import WebClient, portal_node

pytestmark = pytest.mark.production

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_DB = 11
ADDRESS = "wang.fang@example.com"


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("two-nodes")
    database = f"portal_two_nodes_{os.getpid()}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}"')
        admin.execute(f'CREATE DATABASE "{database}"')
    redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB).flushdb()
    env = {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "PORTAL_SERVE_DEMO": "false",
        # SMS are printed in each node's log; a real deployment sets its gateway.
        "PORTAL_SMS_GATEWAY": "console",
        "PORTAL_SILENCED_SYSTEM_CHECKS": "phone.E001",
        "PORTAL_SMS_LIMIT_PER_ACCOUNT_PER_DAY": "1",
        # Delays from the first failure (2 s, then 4 s), so the test need not make many.
        "PORTAL_LOGIN_FREE_FAILURES_PER_ACCOUNT": "0",
        "PORTAL_SMS_RESEND_COOLDOWN_SECONDS": "1",
        "PORTAL_ARGON2_TIME_COST": "1",
        "PORTAL_ARGON2_MEMORY_COST_KIB": "8192",
        "PORTAL_ARGON2_PARALLELISM": "1",
        "PORTAL_SERVE_WORKERS": "1",
    }
    try:
        # One after the other: the first one migrates, as a deployment's release step would.
        with portal_node(tmp, name="node-a", env=env) as node_a, portal_node(tmp, name="node-b", env=env) as node_b:
            _create_user(env["DATABASE_URL"])
            yield node_a, node_b
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _create_user(database_url: str) -> None:
    import subprocess
    import sys

    from tests.servers.portal_node import PROJECT

    script = (
        "from accounts.models import User\n"
        f"u = User.objects.create_user(email={ADDRESS!r}, password={PASSWORD!r})\n"
    )
    subprocess.run(
        [sys.prefix + "/bin/python", "manage.py", "shell", "-c", script],
        cwd=PROJECT,
        check=True,
        env={
            **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
            "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
            "DATABASE_URL": database_url,
            "PORTAL_ARGON2_TIME_COST": "1",
            "PORTAL_ARGON2_MEMORY_COST_KIB": "8192",
            "PORTAL_ARGON2_PARALLELISM": "1",
        },
    )


def test_a_sign_in_delay_earned_on_one_node_holds_on_the_other(nodes):
    node_a, node_b = nodes
    attacker = WebClient(node_a)
    # Two wrong passwords through node A, waiting out the first delay: the second earns a delay of 4 s.
    checked = 0
    while checked < 2:
        response = attacker.sign_in(ADDRESS, "not-the-password")
        if response.status == 429:
            time.sleep(int(re.search(r"Wait (\d+) seconds", response.body).group(1)) + 0.2)
        else:
            assert response.status == 400
            checked += 1
    owner_on_b = WebClient(node_b)
    # Right away, the right password through node B waits out the same delay.
    response = owner_on_b.sign_in(ADDRESS, PASSWORD)
    assert response.status == 429
    assert re.search(r"Wait \d+ seconds", response.body)
    assert "__Host-sessionid" not in owner_on_b.cookies


def test_an_sms_quota_used_on_one_node_is_used_on_the_other(nodes):
    node_a, node_b = nodes
    redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB).flushdb()  # no sign-in delay left from the test above
    on_a, on_b = WebClient(node_a), WebClient(node_b)
    for client in (on_a, on_b):
        assert client.sign_in(ADDRESS, PASSWORD).status == 302
    sent = on_a.post_form("/phone/", {"number": "138 1234 5678"})
    assert sent.status == 302 and sent.headers["Location"] == "/phone/confirm/"
    time.sleep(1.5)  # past the resend cooldown, so only the daily quota can refuse
    refused = on_b.post_form("/phone/", {"number": "139 1234 5678"})
    assert refused.status == 400
    assert "too many codes today" in refused.body
    # The console gateway prints each SMS in its node's log: the first was sent, the second never was.
    assert "13812345678" in node_a.log_text()
    assert "13912345678" not in node_b.log_text()


def test_a_session_ended_through_one_node_is_over_on_the_other(nodes):
    node_a, node_b = nodes
    redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB).flushdb()
    laptop, phone = WebClient(node_a), WebClient(node_b)
    assert laptop.sign_in(ADDRESS, PASSWORD).status == 302
    assert phone.sign_in(ADDRESS, PASSWORD).status == 302
    assert laptop.get("/").status == 200
    # From the phone, through node B: "sign out everywhere else".
    token = _csrf(phone, "/devices/sessions/")
    # The form on the confirmation page sends confirmed=yes (security/confirmation.py).
    ended = phone.request(
        "POST", "/devices/sessions/end-others/", form={"csrfmiddlewaretoken": token, "confirmed": "yes"}
    )
    assert ended.status == 302
    # The laptop's next request, through node A, is signed out; the phone stays in.
    after = laptop.get("/")
    assert after.status == 302 and after.headers["Location"].startswith("/account/sign-in/")
    assert phone.get("/").status == 200


def _csrf(client: WebClient, page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(page).body).group(1)
