"""The session registry moved from trusted_devices to security.sessions without moving any data."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from security.sessions.models import UserSession
from tests.factories import UserFactory

BEFORE_THE_MOVE = [("trusted_devices", "0001_initial"), ("user_sessions", None)]


@pytest.mark.django_db
def test_the_models_and_the_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)  # exits non-zero on a missing migration


@pytest.mark.django_db(transaction=True)
def test_rows_and_permissions_of_the_registry_survive_the_move():
    user = UserFactory()
    executor = MigrationExecutor(connection)
    old = executor.migrate(BEFORE_THE_MOVE).apps  # the project as it was before the move
    assert ("user_sessions", "usersession") not in old.all_models or not old.all_models["user_sessions"]
    now = timezone.now()
    old.get_model("trusted_devices", "UserSession").objects.create(
        user_id=user.pk,
        session_key="k" * 40,
        security_stamp=user.security_stamp,
        signed_in_at=now,
        last_activity_at=now,
    )
    # What a database migrated before the move holds: the content type and permissions under trusted_devices.
    # Going back moved the content type to trusted_devices already.
    content_types = old.get_model("contenttypes", "ContentType")
    assert not content_types.objects.filter(app_label="user_sessions").exists()
    old_type, _created = content_types.objects.get_or_create(app_label="trusted_devices", model="usersession")
    permission, _created = old.get_model("auth", "Permission").objects.get_or_create(
        content_type=old_type, codename="view_usersession", defaults={"name": "Can view signed-in session"}
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    record = UserSession.objects.get(session_key="k" * 40)
    assert record.user_id == user.pk and record.signed_in_at == now
    assert UserSession._meta.db_table == "trusted_devices_usersession"
    from django.contrib.auth.models import Permission

    moved = Permission.objects.get(pk=permission.pk)
    assert (moved.content_type.app_label, moved.content_type.model) == ("user_sessions", "usersession")
