"""Grant the roles the project permissions (project managers, dispatch, materials officers)."""

from django.db import migrations


def sync_roles(apps, schema_editor):
    from applications.roles import sync_roles

    sync_roles(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0001_initial"),
        ("applications", "0004_ledger_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
