from django.db import migrations


def sync_roles(apps, schema_editor):
    from applications.roles import sync_roles

    sync_roles(apps, schema_editor)  # 主管 and 纪检 read the systems, tokens and call audit


class Migration(migrations.Migration):
    dependencies = [("api", "0001_initial")]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
