"""Passkeys (issue 16). A passkey is a strong factor, so the mail server's lookup follows it: the triggers that keep
``mail_account_lookup`` exact are recreated with the passkey table among the strong factors (a row added or
deleted there, by any means, updates the user's row in the lookup), and the lookup is rebuilt."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from security.app_passwords.mail_views import (
    StrongFactor,
    lookup_refresh_all_sql,
    lookup_triggers_drop_sql,
    lookup_triggers_sql,
)

# The strong factors as they were when this migration was written (a later migration passes its own copy).
BEFORE = (StrongFactor("two_factor_authenticatordevice", condition="f.confirmed = {true}"),)
FACTORS = (*BEFORE, StrongFactor("passkeys_passkey"))


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement, params=None)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, lookup_triggers_drop_sql(vendor, factors=FACTORS))
    _run(schema_editor, lookup_triggers_sql(vendor, factors=FACTORS))
    _run(schema_editor, lookup_refresh_all_sql(vendor, factors=FACTORS))


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, lookup_triggers_drop_sql(vendor, factors=FACTORS))
    _run(schema_editor, lookup_triggers_sql(vendor, factors=BEFORE))
    _run(schema_editor, lookup_refresh_all_sql(vendor, factors=BEFORE))


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("app_passwords", "0004_mail_lookup_tables"),
    ]

    operations = [
        migrations.CreateModel(
            name="Passkey",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=60, verbose_name="name")),
                ("credential_id", models.TextField(editable=False)),
                ("credential_sha256", models.CharField(editable=False, max_length=64, unique=True)),
                ("public_key", models.BinaryField(editable=False)),
                ("sign_count", models.PositiveBigIntegerField(default=0, editable=False)),
                ("transports", models.CharField(blank=True, editable=False, max_length=200)),
                ("backed_up", models.BooleanField(default=False, editable=False)),
                ("created_at", models.DateTimeField(editable=False, verbose_name="added")),
                ("last_used_at", models.DateTimeField(blank=True, editable=False, null=True, verbose_name="last used")),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="passkeys",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "passkey",
                "verbose_name_plural": "passkeys",
                "indexes": [models.Index(fields=["user", "created_at"], name="passkeys_pa_user_id_ba92f3_idx")],
            },
        ),
        migrations.RunPython(forwards, backwards, atomic=False),
    ]
