"""Settings: ``base`` reads the environment; ``dev``, ``test`` and ``prod`` adjust it.

``manage.py`` defaults to ``dev``, pytest to ``test``, and ``wsgi.py`` to ``prod``.
"""
