"""Every app's events.py is registered once, by discovery (security/event_kinds.py: event_kinds_discover)."""

from importlib import import_module

from django.apps import apps
from django.utils.module_loading import module_has_submodule

from security import event_kinds as audit


def test_every_apps_event_kinds_are_registered_with_their_labels():
    found = 0
    for app_config in apps.get_app_configs():
        if not module_has_submodule(app_config.module, "events"):
            continue
        kinds = import_module(f"{app_config.name}.events").EVENT_KINDS
        found += 1
        for kind, label in kinds.items():
            assert audit._EVENT_KINDS[kind] is label, kind
    assert found >= 8  # accounts, security and the six feature apps that record events


def test_a_registered_kind_reads_as_its_translated_sentence():
    assert audit.event_description("phone_bound", {"number": "+86 138 **** 5678"}) != "phone_bound"
