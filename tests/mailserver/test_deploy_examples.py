"""deploy/ holds what ``mail_server_config`` writes for an example PostgreSQL portal, for reading before
installing. This test regenerates it, so the examples can never drift from the generator
(PORTAL_REGENERATE_DEPLOY=1 rewrites them after a change)."""

import os
from pathlib import Path

import pytest

from security.app_passwords import mail_server_config as config

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def example(version: str) -> dict[str, tuple[str, int]]:
    options = config.Options(
        version=version,
        dovecot_dir="/etc/dovecot",
        database=config.Database(
            driver="pgsql", host="127.0.0.1", port="5432", dbname="portal", user="portal_dovecot",
            password="CHANGE-ME",
        ),
        listeners=[
            config.Listener("SMTP", 465, "SSL/TLS"),
            config.Listener("IMAP", 993, "SSL/TLS"),
            config.Listener("POP3", 995, "SSL/TLS"),
        ],
        argv=["--output", "OUT", "--dovecot", version, "--password-file", "/root/dovecot-db-password"],
    )
    files = config.render(options)
    return {
        (f"postfix/{name[len('postfix/'):]}" if name.startswith("postfix/") else f"dovecot/{version}/{name}"): value
        for name, value in files.items()
    }


@pytest.mark.parametrize("version", config.VERSIONS)
def test_deploy_examples_are_what_the_generator_writes(version):
    for relative, (text, _mode) in example(version).items():
        if relative.startswith("postfix/") and version != "2.4":
            continue
        path = DEPLOY / relative
        if os.environ.get("PORTAL_REGENERATE_DEPLOY"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        assert path.read_text() == text, f"{relative} differs from mail_server_config's output"
