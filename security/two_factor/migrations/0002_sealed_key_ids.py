"""Record which server key sealed each TOTP secret, and give each recovery-code set its own sealed HMAC key, so a
server-key rotation can be checked and completed without decrypting every row or losing any code (``checks.py``,
``manage.py reseal_secrets``). Existing recovery sets keep their server-keyed digests (no sealed key)."""

from django.db import migrations, models


def record_sealing_keys(apps, schema_editor):
    # Secrets no configured key opens keep "" (unknown): ``reseal_secrets`` and the system check report them.
    from security.two_factor import crypto

    AuthenticatorDevice = apps.get_model("two_factor", "AuthenticatorDevice")
    for device in AuthenticatorDevice.objects.using(schema_editor.connection.alias).filter(sealed_key_id=""):
        try:
            _secret, key_id = crypto.unseal_with_key_id(device.sealed_key)
        except crypto.InvalidToken:
            continue
        device.sealed_key_id = key_id
        device.save(update_fields=["sealed_key_id"])


class Migration(migrations.Migration):
    dependencies = [
        ("two_factor", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="authenticatordevice",
            name="sealed_key_id",
            field=models.CharField(default="", editable=False, max_length=16),
        ),
        migrations.AddField(
            model_name="recoverycodedevice",
            name="sealed_key",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="recoverycodedevice",
            name="sealed_key_id",
            field=models.CharField(default="", editable=False, max_length=16),
        ),
        migrations.RunPython(record_sealing_keys, migrations.RunPython.noop),
    ]
