"""Grant the roles the monitoring permissions now that the clock and policy models exist."""

from django.db import migrations


def sync_roles(apps, schema_editor):
    from applications.roles import sync_roles

    sync_roles(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0003_default_time_limits"),
        ("applications", "0002_roles_and_policies"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
