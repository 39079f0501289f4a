"""The Helpdesk group, with exactly the permissions helpdesk actions need (and no way to grant staff rights)."""

from django.db import migrations

GROUP = "Helpdesk"
PERMISSIONS = [
    ("accounts", "view_user"),
    ("accounts", "helpdesk_reset_two_step"),
    ("accounts", "helpdesk_unbind_phone"),
    ("accounts", "helpdesk_revoke_app_passwords"),
    ("accounts", "helpdesk_forget_trusted_devices"),
    ("accounts", "helpdesk_end_sessions"),
    ("accounts", "helpdesk_clear_sign_in_lock"),
    ("accounts", "helpdesk_disable_account"),
    ("security", "view_securityevent"),
    ("axes", "view_accessattempt"),
]


def create_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; the group needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=GROUP)
    for app_label, codename in PERMISSIONS:
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_helpdesk_permissions"),
        ("security", "0001_initial"),
        ("axes", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
