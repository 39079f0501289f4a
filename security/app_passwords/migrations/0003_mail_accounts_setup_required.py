"""While the portal requires a user to set up two-step verification again (a helpdesk reset), ``mail_accounts``
has no row for them: the main password opens neither SMTP nor IMAP nor POP3 until they have enrolled."""

from django.db import migrations

from security.app_passwords.mail_views import DROP_VIEWS_SQL, create_views_sql


def _recreate(revision: int):
    def run(apps, schema_editor):
        for statement in DROP_VIEWS_SQL:
            schema_editor.execute(statement, params=None)
        for statement in create_views_sql(schema_editor.connection.vendor, revision=revision):
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("app_passwords", "0002_mail_views"),
        ("accounts", "0003_two_step_setup_required"),
    ]

    operations = [
        migrations.RunPython(_recreate(2), _recreate(1), atomic=False),
    ]
