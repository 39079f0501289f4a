"""Shared fixtures. Three layers run from here: unit/service tests, real servers (tests/servers), and Chromium
driven by Playwright (tests/browser, marked ``browser``).

"Item N" in a test's docstring is requirement N of docs/security.md, whose table names the tests of each item."""

import os

import pytest
from django.test import Client

from tests.factories import PASSWORD, UserFactory

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make there are still
# synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_sessionstart(session):
    _compile_stale_catalogs()


def _compile_stale_catalogs():
    """The .mo catalogs are build output (git ignores them), made by ``make compilemessages``. Bare ``pytest`` on a
    fresh checkout would test the English msgids instead of the translations: compile each catalog that is missing
    or older than its .po, with the msgfmt Django's command uses, or stop at once saying what to run."""
    import shutil
    import subprocess
    from pathlib import Path

    locale = Path(__file__).resolve().parents[1] / "locale"
    stale = [po for po in locale.glob("*/LC_MESSAGES/*.po")
             if not po.with_suffix(".mo").exists() or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime]
    if not stale:
        return
    if shutil.which("msgfmt") is None:
        pytest.exit(f"{stale[0].with_suffix('.mo')} is missing or stale and msgfmt (gettext) is not installed: "
                    "install gettext and run `make compilemessages`.", returncode=4)
    for po in stale:
        partial = po.with_suffix(f".mo.{os.getpid()}")
        subprocess.run(["msgfmt", "--check-format", "-o", str(partial), str(po)], check=True)
        partial.replace(po.with_suffix(".mo"))  # atomic: a parallel run never reads half a catalog
    # django.setup() (pytest-django, before this hook) may already have read the catalogs: have Django read them
    # again, as its test tooling does when LOCALE_PATHS changes.
    import django.test.signals  # noqa: F401  (connects the receiver that drops cached catalogs)
    from django.conf import settings
    from django.core.signals import setting_changed

    setting_changed.send(sender=None, setting="LOCALE_PATHS", value=settings.LOCALE_PATHS, enter=False)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
    if any("/tests/mailserver/" in str(item.fspath) for item in items):
        _build_dovecot_24_chroot_in_the_background()


def _build_dovecot_24_chroot_in_the_background():
    """The Debian 13 chroot for Dovecot 2.4 takes minutes to build on a fresh machine, mostly downloading: start
    it now, while the other tests run (the fixture waits on the same file lock)."""
    import contextlib
    import threading

    from tests.servers.trixie import chroot_dir, ensure_chroot

    if (chroot_dir() / ".complete").exists():
        return

    def build():
        # On failure the fixture builds again and reports the error itself.
        with contextlib.suppress(Exception):
            ensure_chroot()

    threading.Thread(target=build, name="trixie-chroot", daemon=True).start()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters live in the cache; each test starts from zero."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def client_signed_in(user) -> Client:
    client = Client()
    response = client.post("/account/sign-in/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


# --- Browser layer: Debian's Chromium, never `playwright install` -------------------------------------------
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 1100, "height": 800}}


# --- Real mail servers: one Dovecot (shipped config, test database) and one SMTP sink per session ----------
@pytest.fixture(scope="session")
def smtp_sink():
    from tests.servers.smtp_sink import SmtpSink

    with SmtpSink() as sink:
        yield sink


@pytest.fixture(scope="session")
def dovecot_servers(django_db_setup, django_db_blocker, smtp_sink):
    """``dovecot_servers("2.3")`` / ``("2.4")``: one Dovecot per version per session, deployed the way
    docs/mail-server.md tells a deployer (tests/servers/dovecot.py), reading the test database as the role
    ``mail_server_role`` made. Tests that use it must commit their data (``transactional_db`` or
    ``live_server``). Set PORTAL_KEEP_DOVECOT=1 to keep their folders and logs."""
    import shutil

    from tests.servers.dovecot import dovecot_start

    started = {}

    def get(version: str = "2.3"):
        if version not in started:
            with django_db_blocker.unblock():
                started[version] = dovecot_start(relay_port=smtp_sink.port, version=version)
        return started[version]

    try:
        yield get
    finally:
        for server in started.values():
            server.__exit__(None, None, None)
            if not os.environ.get("PORTAL_KEEP_DOVECOT"):
                shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot_server(dovecot_servers):
    """This machine's Dovecot 2.3, deployed from Debian's stock config plus the generated files."""
    return dovecot_servers("2.3")


@pytest.fixture
def dovecot(dovecot_server, transactional_db):
    """The session's Dovecot, with the views' configuration rows in place: a transactional test's flush empties
    every table, including the scope → service rows that ``post_migrate`` fills."""
    from security.app_passwords.services import mail_site_options_sync

    mail_site_options_sync()
    return dovecot_server


@pytest.fixture
def make_app_password():
    """``make_app_password(user, scope=..., name=...)`` -> CreatedAppPassword (the secret and the row)."""
    from security.app_passwords.services import app_password_create
    from security.client import SYSTEM

    def make(user, *, scope="smtp", name="Thunderbird", **kwargs):
        return app_password_create(user=user, name=name, scope=scope, actor=None, client=SYSTEM, **kwargs)

    return make


# --- Two-step verification: a fixed key and a frozen clock, so every code is known in advance --------------
@pytest.fixture
def clock():
    import time_machine

    from tests.two_factor.otp import START

    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def enrolled(user, clock):
    """``user`` with two-step on: the fixed key enrolled one step ago, and its recovery codes."""
    from security.client import SYSTEM
    from security.two_factor.services import authenticator_enroll
    from tests.two_factor.otp import FIXED_KEY, START_STEP, code_at

    clock.shift(-30)
    result = authenticator_enroll(user=user, secret=FIXED_KEY, code=code_at(START_STEP - 1), client=SYSTEM)
    clock.shift(30)
    user.refresh_from_db()
    user.recovery_codes = result.recovery_codes
    return user
