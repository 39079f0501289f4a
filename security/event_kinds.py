"""The registry of security event kinds and their translated sentences.

Invariants:
- Each app names its kinds in its ``events.py`` (``EVENT_KINDS``); ``event_kinds_discover`` registers them all once,
  from ``SecurityConfig.ready``; the audit refuses a kind nobody registered.
- A sentence is rendered in the language active when ``event_description`` is called (the page's, or the user's for
  an e-mail), never at registration time.

It sits below both the audit (``audit.py``) and the notification e-mails (``notifications.py``), which both read it,
so neither has to import the other to describe an event.
"""

from importlib import import_module

from django.apps import apps
from django.utils.functional import Promise
from django.utils.module_loading import module_has_submodule

_EVENT_KINDS: dict[str, Promise | str] = {}


def register_event_kinds(kinds: dict) -> None:
    """Each app registers its event kinds with a translatable label (from its AppConfig.ready)."""
    _EVENT_KINDS.update(kinds)


def event_kinds_discover() -> None:
    """Register the ``EVENT_KINDS`` of every installed app's ``events`` module, as the admin discovers ``admin``
    modules. An app records events by adding ``events.py``."""
    for app_config in apps.get_app_configs():
        if module_has_submodule(app_config.module, "events"):
            register_event_kinds(getattr(import_module(f"{app_config.name}.events"), "EVENT_KINDS", {}))


def event_kind_is_registered(kind: str) -> bool:
    return kind in _EVENT_KINDS


def event_description(kind: str, details: dict | None = None) -> str:
    """The translated sentence for an event. Labels may use ``%(name)s``-style fields from ``details``."""
    label = str(_EVENT_KINDS.get(kind, kind))
    try:
        return label % (details or {})
    except (KeyError, TypeError, ValueError):
        return label
