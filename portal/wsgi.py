"""The WSGI application gunicorn serves (``scripts/serve``: ``gunicorn portal.wsgi``).

gunicorn runs no system checks, so a worker refuses to load the application when a fatal hazard is configured
(portal/checks.py), with one sentence in the log, rather than serve a portal that fails its users silently.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.prod")

application = get_wsgi_application()

from portal.checks import refuse_fatal_hazards  # noqa: E402  (needs the apps loaded above)

refuse_fatal_hazards()
