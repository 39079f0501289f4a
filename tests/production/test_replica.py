"""Dovecot on a read replica: "the very next AUTH refuses a revoked app password" must survive replication lag
(issue: production, "Dovecot on a read replica"; docs/deploy.md).

The portal writes to a primary; the mail server reads a streaming standby. With ``synchronous_commit =
remote_apply`` for the portal's database and the standby in ``synchronous_standby_names``, a revoke does not
return before the standby has applied it, so nothing the portal has confirmed can still be accepted there.
Without it, the revoke returns while the standby still shows the password. To make lag visible on a quiet
loopback, the tests pause the standby's replay, as a busy or distant standby would lag.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.factories import PASSWORD
from tests.servers.dovecot import Dovecot, instance_root
from tests.servers.pg_replica import Replicated
from tests.servers.portal_node import PROJECT
from tests.servers.process import LOOPBACK

pytestmark = pytest.mark.production
ADDRESS = "zhou.min@example.com"


@pytest.fixture(scope="module")
def cluster():
    # Not under pytest's own temporary folder: that is private to root, and PostgreSQL runs as postgres.
    root = Path(tempfile.mkdtemp(prefix="portal-replica-"))
    root.chmod(0o755)
    with Replicated(root / "pg") as replicated:
        replicated.sql(replicated.primary_port, "CREATE DATABASE portal")
        primary = replicated.url(replicated.primary_port, "portal")
        replicated.manage = lambda *args, **kw: manage(primary, *args, **kw)
        replicated.manage("migrate", "--noinput", "-v", "0")
        replicated.manage("shell", "-c", f"from accounts.models import User; User.objects.create_user("
                          f"email={ADDRESS!r}, password={PASSWORD!r})")
        yield replicated
    shutil.rmtree(root, ignore_errors=True)


class StandbyDovecot(Dovecot):
    """Dovecot 2.3 deployed as the walkthrough says for a replica: the role made on the primary, and the config
    pointed at the standby with ``--db-host``/``--db-port``."""

    cluster: Replicated | None = None

    def _database_args(self) -> list[str]:
        password_file = self.root / "role-password"
        password_file.write_text("standby-role-password-1\n")
        self.cluster.manage("mail_server_role", "--password-file", str(password_file))
        return ["--password-file", str(password_file), "--db-host", LOOPBACK,
                "--db-port", str(self.cluster.standby_port)]

    def _generate(self, args: list[str]) -> None:
        env = {key: str(value) for key, value in self.portal_settings().items()}
        self.cluster.manage("mail_server_config", *args, env=env)


@pytest.fixture(scope="module")
def dovecot_on_standby(cluster, smtp_sink):
    server = StandbyDovecot(version="2.3", root=instance_root(None), relay_port=smtp_sink.port)
    server.cluster = cluster
    with server:
        yield server
    shutil.rmtree(server.root, ignore_errors=True)


def manage(database_url: str, *args: str, background: bool = False, env: dict | None = None):
    env = {
        **(env or {}),
        **{k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}},
        "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
        "DATABASE_URL": database_url,
        "PORTAL_ARGON2_TIME_COST": "1",
        "PORTAL_ARGON2_MEMORY_COST_KIB": "8192",
        "PORTAL_ARGON2_PARALLELISM": "1",
    }
    argv = [sys.prefix + "/bin/python", "manage.py", *args]
    if background:
        return subprocess.Popen(argv, cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(argv, cwd=PROJECT, env=env, check=True, capture_output=True, text=True).stdout


def create_app_password(cluster) -> dict:
    out = cluster.manage("app_password", "create", "--user", ADDRESS, "--name", "Phone", "--scope", "smtp", "--json")
    # The development settings print the notification e-mail on the same output; the JSON is its own line.
    line = next(line for line in out.splitlines() if line.startswith('{"id"'))
    return json.JSONDecoder().raw_decode(line)[0]


def on_standby(cluster, token_sha256: str) -> int:
    return cluster.sql(
        cluster.standby_port,
        "SELECT count(*) FROM mail_app_passwords WHERE token_sha256 = %s",
        (token_sha256,),
        database="portal",
    )[0][0]


def sha256(secret: str) -> str:
    import hashlib

    return hashlib.sha256(secret.encode()).hexdigest()


def waiting_for_standby(cluster) -> bool:
    rows = cluster.sql(cluster.primary_port, "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'")
    return rows[0][0] > 0


def set_commit_mode(cluster, mode: str) -> None:
    cluster.sql(cluster.primary_port, f"ALTER DATABASE portal SET synchronous_commit = {mode}")


def test_with_remote_apply_a_revoke_returns_only_once_the_standby_refuses_it(cluster, dovecot_on_standby):
    set_commit_mode(cluster, "remote_apply")
    created = create_app_password(cluster)
    digest = sha256(created["password"])
    # Already on the standby when create returned: Dovecot, reading it, accepts the new password at once.
    assert on_standby(cluster, digest) == 2
    assert dovecot_on_standby.auth_test(ADDRESS, created["password"], service="smtp")
    cluster.sql(cluster.standby_port, "SELECT pg_wal_replay_pause()")
    try:
        revoke = cluster.manage("app_password", "revoke", "--user", ADDRESS, "--id", str(created["id"]),
                                background=True)
        # The revoke reaches its commit and waits there for the standby (PostgreSQL's SyncRep wait), while the
        # portal has not yet said "revoked" and the standby still shows the password.
        deadline = time.monotonic() + 60
        while revoke.poll() is None and not waiting_for_standby(cluster) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert revoke.poll() is None, "the revoke returned before the standby had applied it"
        assert waiting_for_standby(cluster)
        assert on_standby(cluster, digest) == 2
    finally:
        cluster.sql(cluster.standby_port, "SELECT pg_wal_replay_resume()")
    assert revoke.wait(timeout=30) == 0, revoke.stderr.read()
    # The moment the portal says it is done, Dovecot on the standby refuses it.
    assert not dovecot_on_standby.auth_test(ADDRESS, created["password"], service="smtp")
    assert on_standby(cluster, digest) == 0


def test_without_it_a_revoked_password_still_opens_the_standby(cluster, dovecot_on_standby):
    set_commit_mode(cluster, "on")
    created = create_app_password(cluster)
    digest = sha256(created["password"])
    deadline = time.monotonic() + 10
    while on_standby(cluster, digest) != 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    cluster.sql(cluster.standby_port, "SELECT pg_wal_replay_pause()")
    try:
        cluster.manage("app_password", "revoke", "--user", ADDRESS, "--id", str(created["id"]))
        # Revoked as far as the portal knows, and still accepted by the mail server.
        assert on_standby(cluster, digest) == 2
        assert dovecot_on_standby.auth_test(ADDRESS, created["password"], service="smtp")
    finally:
        cluster.sql(cluster.standby_port, "SELECT pg_wal_replay_resume()")
    deadline = time.monotonic() + 10
    while on_standby(cluster, digest) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert on_standby(cluster, digest) == 0
    assert not dovecot_on_standby.auth_test(ADDRESS, created["password"], service="smtp")
