# The session registry moved here from trusted_devices. The table keeps its name (db_table), so this migration
# only takes the model over in Django's state; the rows stay where they are. trusted_devices 0002 drops it from
# that app's state. On a fresh database trusted_devices 0001 creates the table first.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def content_type_move(apps, schema_editor, old, new):
    """Keep the content type (and so its permissions) of the moved model; a fresh database has none yet."""
    content_types = apps.get_model("contenttypes", "ContentType")
    if not content_types.objects.filter(app_label=new, model="usersession").exists():
        content_types.objects.filter(app_label=old, model="usersession").update(app_label=new)


def forwards(apps, schema_editor):
    content_type_move(apps, schema_editor, "trusted_devices", "user_sessions")


def backwards(apps, schema_editor):
    content_type_move(apps, schema_editor, "user_sessions", "trusted_devices")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
        ("trusted_devices", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="UserSession",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("session_key", models.CharField(editable=False, max_length=40, unique=True)),
                        ("security_stamp", models.CharField(editable=False, max_length=32)),
                        ("user_agent", models.CharField(blank=True, editable=False, max_length=512)),
                        ("ip_address", models.GenericIPAddressField(blank=True, editable=False, null=True)),
                        ("signed_in_at", models.DateTimeField(editable=False)),
                        ("last_activity_at", models.DateTimeField(editable=False)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="signed_in_sessions",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "signed-in session",
                        "verbose_name_plural": "signed-in sessions",
                        "db_table": "trusted_devices_usersession",
                        "indexes": [
                            models.Index(fields=["user", "last_activity_at"], name="trusted_dev_user_id_17d41e_idx")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
