import pytest
from tests.factories import PASSWORD, UserFactory
pytestmark = pytest.mark.django_db(transaction=True)

@pytest.mark.parametrize("version", ["2.3", "2.4"])
def test_smoke(dovecot_servers, version, make_app_password):
    from security.app_passwords.services import mail_site_options_sync
    d = dovecot_servers(version)
    mail_site_options_sync()
    u = UserFactory()
    ap = make_app_password(u, scope="smtp")
    print(d.check()[-3000:])
    assert d.auth_test(u.email, ap.secret, service="smtp"), d.log_text()
    assert not d.auth_test(u.email, ap.secret, service="imap"), d.log_text()
    assert d.auth_test(u.email.upper(), PASSWORD, service="imap"), d.log_text()
