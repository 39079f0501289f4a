"""Dovecot 2.4 from Debian 13 (trixie), in a debootstrap chroot built once per machine.

The chroot lives in a cache folder outside the checkout (``PORTAL_TEST_CACHE``, default ``~/.cache/portal-tests``)
and is rebuilt when it is missing or incomplete (a ``.complete`` marker is written last). Building takes about a
minute: ``debootstrap --variant=minbase trixie`` from the mirror apt already uses, a ``policy-rc.d`` so no package
starts a daemon, ``/proc`` mounted only while apt runs, then Dovecot's packages. A file lock keeps two test runs
from building it at once.

The chroot shares the network namespace, so a Dovecot started in it serves 127.0.0.1 and reaches PostgreSQL and
MariaDB there; every file it reads (config, SQLite database, mail) must lie inside the chroot.
"""

import contextlib
import fcntl
import os
import re
import shutil
import subprocess
from pathlib import Path

PACKAGES = [
    "dovecot-core",
    "dovecot-submissiond",
    "dovecot-sqlite",
    "dovecot-pgsql",
    "dovecot-mysql",
    "dovecot-imapd",
    "dovecot-pop3d",
    # Not run from the chroot: installed for what a Debian 13 mail host has, the postfix user and group that
    # the generated auth socket names.
    "postfix",
]
# Bump when PACKAGES changes: the packages are installed again on the existing base system.
LAYOUT = "3"


def cache_dir() -> Path:
    return Path(os.environ.get("PORTAL_TEST_CACHE") or Path.home() / ".cache" / "portal-tests")


def chroot_dir() -> Path:
    return cache_dir() / "trixie-dovecot"


def debian_mirror() -> str:
    """The first ``URIs:`` of apt's deb822 sources (or the first ``deb`` line of sources.list)."""
    sources = Path("/etc/apt/sources.list.d/debian.sources")
    if sources.exists():
        match = re.search(r"(?m)^URIs:\s*(\S+)", sources.read_text())
        if match:
            return match.group(1)
    legacy = Path("/etc/apt/sources.list")
    if legacy.exists():
        match = re.search(r"(?m)^deb\s+(?:\[[^]]*\]\s+)?(\S+)", legacy.read_text())
        if match:
            return match.group(1)
    return "http://deb.debian.org/debian"


def _run(argv: list[str], log: Path, **kwargs) -> None:
    with log.open("ab") as out:
        result = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, check=False, **kwargs)
    if result.returncode:
        raise RuntimeError(f"{' '.join(argv[:4])} … failed ({result.returncode}); see {log}")


@contextlib.contextmanager
def _proc_mounted(root: Path):
    proc = root / "proc"
    proc.mkdir(exist_ok=True)
    subprocess.run(["mount", "-t", "proc", "proc", str(proc)], check=True)
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(proc)], check=False)


def ensure_chroot() -> Path:
    """The chroot's path, building it first when needed. Needs root, debootstrap and the Debian mirror."""
    root = chroot_dir()
    marker = root / ".complete"
    if marker.exists() and marker.read_text().strip() == LAYOUT:
        return root
    cache_dir().mkdir(parents=True, exist_ok=True)
    with (cache_dir() / "trixie-dovecot.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists() and marker.read_text().strip() == LAYOUT:
            return root
        log = cache_dir() / "trixie-dovecot.log"
        base = root / ".base"
        if not (base.exists() or marker.exists()):
            if not shutil.which("debootstrap"):
                raise RuntimeError("debootstrap is missing: run scripts/install-system-packages test")
            log.write_text("")
            if (root / "proc").is_mount():
                subprocess.run(["umount", "-l", str(root / "proc")], check=False)
            shutil.rmtree(root, ignore_errors=True)
            _run(["debootstrap", "--variant=minbase", "trixie", str(root), debian_mirror()], log)
            policy = root / "usr/sbin/policy-rc.d"
            policy.write_text("#!/bin/sh\n# No daemon starts inside this chroot at install time.\nexit 101\n")
            policy.chmod(0o755)
            base.write_text("")
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C"}
        with _proc_mounted(root):
            subprocess.run(
                ["chroot", str(root), "debconf-set-selections"],
                input=b"postfix postfix/main_mailer_type select No configuration\n",
                check=True,
                env=env,
            )
            _run(["chroot", str(root), "apt-get", "install", "-y", "-q", "--no-install-recommends", *PACKAGES], log,
                 env=env)
        _run(["chroot", str(root), "apt-get", "clean"], log, env=env)
        marker.write_text(LAYOUT + "\n")
    return root
