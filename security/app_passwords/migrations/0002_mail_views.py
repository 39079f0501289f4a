"""The mail-server contract: fill the scope → service table and create the two views Dovecot reads."""

from django.db import migrations

from security.app_passwords.mail_views import DROP_VIEWS_SQL, create_views_sql
from security.app_passwords.scopes import scope_service_pairs


def fill_tables(apps, schema_editor):
    MailService = apps.get_model("app_passwords", "MailService")
    MailSiteOption = apps.get_model("app_passwords", "MailSiteOption")
    MailService.objects.bulk_create(
        [MailService(scope=scope, service=service) for scope, service in scope_service_pairs()]
    )
    MailSiteOption.objects.update_or_create(id=1, defaults={"main_password_for_mail": True})


def create_views(apps, schema_editor):
    for statement in create_views_sql(schema_editor.connection.vendor, revision=1):
        schema_editor.execute(statement, params=None)


def drop_views(apps, schema_editor):
    for statement in DROP_VIEWS_SQL:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("app_passwords", "0001_initial"),
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(fill_tables, migrations.RunPython.noop),
        migrations.RunPython(create_views, drop_views, atomic=False),
    ]
