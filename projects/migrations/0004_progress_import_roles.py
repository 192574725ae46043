"""Project managers see the jobs of the progress ledgers they import (applications.ImportJob)."""

from django.db import migrations


def sync_roles(apps, schema_editor):
    from applications.roles import sync_roles

    sync_roles(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0003_ledgers"),
        ("applications", "0005_import_job_progress"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
