"""The deployed Dovecot per version (2.3 on this machine, 2.4 from Debian 13 in a chroot), one per session."""

import pytest

VERSIONS = ["2.3", "2.4"]


@pytest.fixture(params=VERSIONS, ids=[f"dovecot{v}" for v in VERSIONS])
def deployed(request, dovecot_servers, transactional_db):
    from security.app_passwords.services import mail_site_options_sync

    server = dovecot_servers(request.param)
    mail_site_options_sync()
    return server
