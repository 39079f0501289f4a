"""Settings for bench/web_load.py's gunicorn: the production settings unchanged, plus one URL conf that adds a
minimal view beside the portal's pages (the floor this machine allows with the same middleware). Bench only."""

from portal.settings.prod import *  # noqa: F403

ROOT_URLCONF = "web_urls"
