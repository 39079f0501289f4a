"""The deployed Dovecot per version (2.3 on this machine, 2.4 from Debian 13 in a chroot), one per session."""

import pytest

from tests.servers.dovecot import VERSIONS


@pytest.fixture(params=VERSIONS, ids=[f"dovecot{v}" for v in VERSIONS])
def deployed(request, dovecot_servers, transactional_db):
    from security.app_passwords.services import mail_site_options_sync

    server = dovecot_servers(request.param)
    mail_site_options_sync()
    return server


@pytest.fixture(scope="session")
def cached_servers(django_db_setup, django_db_blocker, smtp_sink):
    """A second Dovecot per version, generated with the auth cache ON (PORTAL_DOVECOT_AUTH_CACHE_FLUSH set to
    its doveadm HTTP API), so the portal must flush. ``.flush_url``/``.api_key`` are what the portal is given."""
    import os
    import secrets
    import shutil

    from tests.servers.dovecot import dovecot_start
    from tests.servers.process import free_port

    started = {}

    def get(version):
        if version not in started:
            url = f"http://127.0.0.1:{free_port()}/doveadm/v1"
            key = secrets.token_urlsafe(18)
            with django_db_blocker.unblock():
                server = dovecot_start(
                    relay_port=smtp_sink.port, version=version, auth_cache=url, doveadm_api_key=key
                )
            server.flush_url, server.api_key = url, key
            started[version] = server
        return started[version]

    try:
        yield get
    finally:
        for server in started.values():
            server.__exit__(None, None, None)
            if not os.environ.get("PORTAL_KEEP_DOVECOT"):
                shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture(params=VERSIONS, ids=[f"dovecot{v}" for v in VERSIONS])
def cached(request, cached_servers, transactional_db):
    from security.app_passwords.services import mail_site_options_sync

    server = cached_servers(request.param)
    mail_site_options_sync()
    return server
