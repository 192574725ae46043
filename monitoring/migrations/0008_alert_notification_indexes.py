"""Alert and notification indexes for the set-based notify step (issue 3).

- The notify step claims alerts (notified_at NULL → its instant) and finds them again by that
  instant: a full index on notified_at instead of 0005's partial one on the unclaimed rows.
- Single-column FK indexes that a composite index already starts with are dropped, so a sweep
  that raises or notifies thousands at once writes fewer indexes.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('applications', '0002_roles_and_policies'),
        ('monitoring', '0007_dashboard_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='alert',
            name='alert_unnotified',
        ),
        migrations.AlterField(
            model_name='alert',
            name='unit',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='applications.unit', verbose_name='供电单位'),
        ),
        migrations.AlterField(
            model_name='notification',
            name='alert',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='monitoring.alert', verbose_name='时限告警'),
        ),
        migrations.AlterField(
            model_name='notification',
            name='recipient',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL, verbose_name='接收人'),
        ),
        migrations.AddIndex(
            model_name='alert',
            index=models.Index(fields=['notified_at'], name='alert_notified'),
        ),
    ]
