# The session registry moved to security.sessions (user_sessions 0001 takes the model over, table and rows
# unchanged). Only Django's state forgets it here: no table is dropped.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("trusted_devices", "0001_initial"),
        ("user_sessions", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="UserSession")],
            database_operations=[],
        ),
    ]
