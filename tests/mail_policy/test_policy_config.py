"""``mail_server_config`` writes the policy settings for 2.3 and 2.4 only when the portal has them."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)


def generate(tmp_path, version):
    args = ["--output", str(tmp_path / "out"), "--dovecot", version]
    if connection.vendor != "sqlite":
        (tmp_path / "pw").write_text("s3cret-pass")
        args += ["--password-file", str(tmp_path / "pw")]
    call_command("mail_server_config", *args, stdout=StringIO())
    return tmp_path / "out" / "conf.d" / "98-portal-policy.conf"


@pytest.mark.parametrize("version", ["2.3", "2.4"])
def test_policy_file_with_the_secret_and_nonce(tmp_path, settings, version):
    settings.PORTAL_MAIL_POLICY_URL = "http://127.0.0.1:8000/mail-policy/"
    settings.PORTAL_MAIL_POLICY_SECRET = "s3cret-policy"
    settings.PORTAL_MAIL_POLICY_HASH_NONCE = "n0nce"
    path = generate(tmp_path, version)
    text = path.read_text()
    assert path.stat().st_mode & 0o777 == 0o600
    assert 'auth_policy_server_api_header = "X-Portal-Policy-Key: s3cret-policy"' in text
    assert "auth_policy_hash_nonce = n0nce" in text and "auth_policy_reject_on_fail = no" in text
    assert "credential_id" in text and f"--dovecot {version}" in text.splitlines()[1]
    if version == "2.4":
        assert "credential_id = %{passdb:x_app_password_id}" in text and "%{remote_ip}" in text
    else:
        assert "credential_id=%{passdb:x_app_password_id}" in text and "%{rip}" in text


def test_no_policy_file_without_the_settings(tmp_path, settings):
    settings.PORTAL_MAIL_POLICY_URL = ""
    assert not generate(tmp_path, "2.3").exists()


@pytest.mark.parametrize(
    ("key", "value"), [("PORTAL_MAIL_POLICY_HASH_NONCE", ""), ("PORTAL_MAIL_POLICY_SECRET", 'a"b')]
)
def test_bad_policy_settings_are_one_sentence(tmp_path, settings, key, value):
    settings.PORTAL_MAIL_POLICY_URL = "http://127.0.0.1:8000/mail-policy/"
    settings.PORTAL_MAIL_POLICY_SECRET = "s3cret-policy"
    settings.PORTAL_MAIL_POLICY_HASH_NONCE = "n0nce"
    setattr(settings, key, value)
    with pytest.raises(CommandError, match=key):
        generate(tmp_path, "2.3")
    assert not (tmp_path / "out" / "conf.d" / "99-portal.conf").exists()  # nothing half-written
