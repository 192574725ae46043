"""Deadlines (事项时限) and their alerts; the deadlines' default escalation steps; roles.

An alert is now about a stage clock or a deadline (exactly one); the escalation steps without a
policy are the deadlines' (DOMAIN.md §4 "Escalation" defaults).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


DEADLINE_ESCALATION = [
    {"level": 1, "overdue_working_days": 0, "target": "responsible"},
    {"level": 2, "overdue_working_days": 2, "target": "unit_leader"},
    {"level": 3, "overdue_working_days": 5, "target": "marketing"},
]


def add_deadline_escalation(apps, schema_editor):
    EscalationStep = apps.get_model("monitoring", "EscalationStep")
    for step in DEADLINE_ESCALATION:
        EscalationStep.objects.get_or_create(policy=None, level=step["level"], defaults=step)


def remove_deadline_escalation(apps, schema_editor):
    apps.get_model("monitoring", "EscalationStep").objects.filter(policy=None).delete()


def remove_deadline_alerts(apps, schema_editor):
    # Backwards, an alert needs its clock again: deadline alerts cannot survive the reversal.
    apps.get_model("monitoring", "Alert").objects.filter(clock=None).delete()


def sync_roles(apps, schema_editor):
    from applications.roles import sync_roles

    sync_roles(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ('applications', '0004_ledger_roles'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('monitoring', '0008_alert_notification_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Deadline',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('project_phase', '工程节点'), ('rectification', '整改期限'), ('complaint', '投诉处理'), ('supervision_item', '督办事项'), ('action_item', '会议待办')], max_length=20, verbose_name='类型')),
                ('object_id', models.PositiveBigIntegerField(verbose_name='事项编号')),
                ('key', models.CharField(blank=True, help_text='同一事项下的不同时限，例如工程的各个节点', max_length=50, verbose_name='子项')),
                ('label', models.CharField(help_text='告警和通知中显示的名称', max_length=200, verbose_name='事项')),
                ('limit_unit', models.CharField(blank=True, choices=[('working_days', '工作日'), ('hours', '小时')], max_length=20, verbose_name='时限单位')),
                ('limit_value', models.PositiveIntegerField(blank=True, null=True, verbose_name='时限')),
                ('started_at', models.DateTimeField(verbose_name='开始时间')),
                ('warn_at', models.DateTimeField(blank=True, null=True, verbose_name='预警时间')),
                ('due_at', models.DateTimeField(verbose_name='到期时间')),
                ('stopped_at', models.DateTimeField(blank=True, null=True, verbose_name='结束时间')),
                ('outcome', models.CharField(choices=[('open', '计时中'), ('met', '按期完成'), ('breached', '超期完成'), ('cancelled', '已撤销')], default='open', max_length=20, verbose_name='结果')),
                ('cancel_reason', models.CharField(blank=True, max_length=200, verbose_name='撤销原因')),
                ('retimed_at', models.DateTimeField(blank=True, help_text='最近一次调整到期时间的时间', null=True, verbose_name='重新计时时间')),
            ],
            options={
                'verbose_name': '事项时限',
                'verbose_name_plural': '事项时限',
                'ordering': ['-started_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='DeadlineEscalationStep',
            fields=[
            ],
            options={
                'verbose_name': '事项时限超期升级',
                'verbose_name_plural': '事项时限超期升级',
                'ordering': ['level'],
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('monitoring.escalationstep',),
        ),
        migrations.AlterField(
            model_name='alert',
            name='application',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='alerts', to='applications.application', verbose_name='业扩申请'),
        ),
        migrations.AlterField(
            model_name='alert',
            name='clock',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='alerts', to='monitoring.stageclock', verbose_name='环节时限'),
        ),
        migrations.AlterField(
            model_name='alert',
            name='due_at',
            field=models.DateTimeField(help_text='产生时的到期时间', verbose_name='到期时间'),
        ),
        migrations.AlterField(
            model_name='escalationstep',
            name='policy',
            field=models.ForeignKey(blank=True, help_text='留空表示适用于事项时限（工程节点、整改、投诉、督办等）', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='escalation_steps', to='monitoring.timelimitpolicy', verbose_name='环节时限标准'),
        ),
        migrations.AddConstraint(
            model_name='escalationstep',
            constraint=models.UniqueConstraint(condition=models.Q(('policy__isnull', True)), fields=('level',), name='escalation_step_level_deadlines'),
        ),
        migrations.AddField(
            model_name='deadline',
            name='application',
            field=models.ForeignKey(blank=True, help_text='事项涉及的业扩申请（如有）', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='deadlines', to='applications.application', verbose_name='业扩申请'),
        ),
        migrations.AddField(
            model_name='deadline',
            name='content_type',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='contenttypes.contenttype', verbose_name='事项类型'),
        ),
        migrations.AddField(
            model_name='deadline',
            name='responsible',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='deadlines', to=settings.AUTH_USER_MODEL, verbose_name='责任人'),
        ),
        migrations.AddField(
            model_name='deadline',
            name='unit',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='applications.unit', verbose_name='供电单位'),
        ),
        migrations.AddField(
            model_name='alert',
            name='deadline',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='alerts', to='monitoring.deadline', verbose_name='事项时限'),
        ),
        migrations.AddConstraint(
            model_name='alert',
            constraint=models.UniqueConstraint(fields=('deadline', 'kind', 'level', 'due_at'), name='alert_once_per_deadline_due'),
        ),
        migrations.AddConstraint(
            model_name='alert',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('clock__isnull', False), ('deadline__isnull', True)), models.Q(('clock__isnull', True), ('deadline__isnull', False)), _connector='OR'), name='alert_clock_or_deadline'),
        ),
        migrations.AddIndex(
            model_name='deadline',
            index=models.Index(fields=['content_type', 'object_id'], name='deadline_subject'),
        ),
        migrations.AddIndex(
            model_name='deadline',
            index=models.Index(condition=models.Q(('outcome', 'open')), fields=['due_at'], name='deadline_open_due'),
        ),
        migrations.AddIndex(
            model_name='deadline',
            index=models.Index(condition=models.Q(('outcome', 'open')), fields=['warn_at'], name='deadline_open_warn'),
        ),
        migrations.AddIndex(
            model_name='deadline',
            index=models.Index(fields=['unit', 'kind', 'outcome'], name='deadline_unit_kind'),
        ),
        migrations.AddConstraint(
            model_name='deadline',
            constraint=models.UniqueConstraint(condition=models.Q(('outcome', 'open')), fields=('content_type', 'object_id', 'key'), name='one_open_deadline'),
        ),
        migrations.AddConstraint(
            model_name='deadline',
            constraint=models.CheckConstraint(condition=models.Q(('limit_value__isnull', True), models.Q(('limit_unit', ''), _negated=True), _connector='OR'), name='deadline_limit_has_unit'),
        ),
        migrations.RunPython(migrations.RunPython.noop, remove_deadline_alerts),
        migrations.RunPython(add_deadline_escalation, remove_deadline_escalation),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
