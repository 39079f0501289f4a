"""Issue 20: Dovecot's two lookups read one table each. The portal keeps ``mail_app_password_lookup`` and
``mail_account_lookup`` exact with database triggers, fills them from the existing rows (the backfill), and the
two views become one-table selects with the same names and columns (docs/mail-server.md, docs/performance.md)."""

from django.db import migrations, models

from security.app_passwords.mail_views import (
    DROP_VIEWS_SQL,
    StrongFactor,
    create_views_sql,
    lookup_refresh_all_sql,
    lookup_triggers_drop_sql,
    lookup_triggers_sql,
)

# The strong factors as they were when this migration was written (a later factor table comes with its own
# migration; post_migrate then recreates the triggers from mail_views.STRONG_FACTORS).
FACTORS = (StrongFactor("two_factor_authenticatordevice", condition="f.confirmed = {true}"),)


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement, params=None)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, DROP_VIEWS_SQL)
    _run(schema_editor, lookup_triggers_drop_sql(vendor, factors=FACTORS))
    _run(schema_editor, lookup_triggers_sql(vendor, factors=FACTORS))
    _run(schema_editor, lookup_refresh_all_sql(vendor, factors=FACTORS))  # the backfill
    _run(schema_editor, create_views_sql(vendor, revision=3))


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, DROP_VIEWS_SQL)
    _run(schema_editor, lookup_triggers_drop_sql(vendor, factors=FACTORS))
    _run(schema_editor, create_views_sql(vendor, revision=2))


class Migration(migrations.Migration):

    dependencies = [
        ('app_passwords', '0003_mail_accounts_setup_required'),
        ('accounts', '0005_recovery_request'),
        ('two_factor', '0002_sealed_key_ids'),
    ]

    operations = [
        migrations.CreateModel(
            name='MailAppPasswordLookup',
            fields=[
                ('pk', models.CompositePrimaryKey('token_sha256', 'service', blank=True, editable=False, primary_key=True, serialize=False)),
                ('token_sha256', models.CharField(max_length=64)),
                ('service', models.CharField(max_length=16)),
                ('login', models.CharField(max_length=254)),
                ('app_password_id', models.BigIntegerField(db_index=True)),
                ('user_id', models.BigIntegerField(db_index=True)),
                ('expires_at', models.DateTimeField(null=True)),
            ],
            options={
                'db_table': 'mail_app_password_lookup',
            },
        ),
        migrations.CreateModel(
            name='MailAccountLookup',
            fields=[
                ('user_id', models.BigIntegerField(primary_key=True, serialize=False)),
                ('login', models.CharField(max_length=254)),
                ('password', models.CharField(max_length=256)),
            ],
            options={
                'db_table': 'mail_account_lookup',
                'constraints': [models.UniqueConstraint(fields=('login',), name='mail_account_lookup_login')],
            },
        ),
        migrations.RunPython(forwards, backwards, atomic=False),
    ]
