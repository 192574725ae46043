"""Meetings (会议记录), their action items and the weekly meeting's collective scheme decisions;
roles gain the meeting permissions (主管 writes and voids minutes; everyone reads their unit's)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def sync_roles(apps, schema_editor):
    from applications.roles import sync_roles

    sync_roles(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('applications', '0006_personal_data'),
        ('monitoring', '0012_complaints'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Meeting',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('morning', '每日晨会'), ('weekly', '周例会'), ('ad_hoc', '临时会议')], max_length=20, verbose_name='会议类型')),
                ('held_at', models.DateTimeField(verbose_name='会议时间')),
                ('topic', models.CharField(blank=True, max_length=200, verbose_name='会议主题')),
                ('status', models.CharField(choices=[('draft', '记录中'), ('issued', '纪要已印发'), ('void', '已作废')], default='draft', max_length=20, verbose_name='状态')),
                ('agenda', models.JSONField(blank=True, default=dict, editable=False, verbose_name='会议议程')),
                ('agenda_generated_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='议程生成时间')),
                ('problems', models.TextField(blank=True, help_text='会上提出的问题，每行一条', verbose_name='客户经理反映的问题')),
                ('decisions', models.TextField(blank=True, verbose_name='会议决定')),
                ('minutes', models.TextField(blank=True, verbose_name='会议纪要')),
                ('created_at', models.DateTimeField(verbose_name='创建时间')),
                ('issued_at', models.DateTimeField(blank=True, null=True, verbose_name='印发时间')),
                ('voided_at', models.DateTimeField(blank=True, null=True, verbose_name='作废时间')),
                ('void_reason', models.TextField(blank=True, verbose_name='作废原因')),
                ('attendees', models.ManyToManyField(related_name='meetings', to=settings.AUTH_USER_MODEL, verbose_name='参会人员')),
                ('chair', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='主持人')),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='记录人')),
                ('issued_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='印发人')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='applications.unit', verbose_name='供电单位')),
                ('voided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='作废人')),
            ],
            options={
                'verbose_name': '会议记录',
                'verbose_name_plural': '会议记录',
                'ordering': ['-held_at', '-pk'],
                'permissions': [('write_minutes', '记录会议、撰写并印发会议纪要'), ('void_meeting', '作废会议记录')],
            },
        ),
        migrations.CreateModel(
            name='ActionItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=200, verbose_name='待办事项')),
                ('due_on', models.DateField(verbose_name='完成期限')),
                ('status', models.CharField(choices=[('open', '办理中'), ('done', '已完成'), ('cancelled', '已撤销')], default='open', max_length=20, verbose_name='状态')),
                ('result', models.TextField(blank=True, verbose_name='办理结果')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='办结时间')),
                ('application', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='applications.application', verbose_name='业扩申请')),
                ('closed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='办结人')),
                ('owner', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='meeting_action_items', to=settings.AUTH_USER_MODEL, verbose_name='责任人')),
                ('meeting', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='action_items', to='monitoring.meeting', verbose_name='会议')),
            ],
            options={
                'verbose_name': '会议待办',
                'verbose_name_plural': '会议待办',
                'ordering': ['due_on', 'pk'],
                'permissions': [('complete_action_item', '登记会议待办的办理结果')],
            },
        ),
        migrations.CreateModel(
            name='SchemeDecision',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('approved', models.BooleanField(verbose_name='决策结果：同意')),
                ('comment', models.TextField(blank=True, verbose_name='决策意见')),
                ('decided_at', models.DateTimeField(verbose_name='决策时间')),
                ('decided_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='记录人')),
                ('meeting', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='scheme_decisions', to='monitoring.meeting', verbose_name='会议')),
                ('review', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='meeting_decision', to='applications.schemereview', verbose_name='方案会签')),
            ],
            options={
                'verbose_name': '方案集体决策',
                'verbose_name_plural': '方案集体决策',
                'ordering': ['decided_at', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='SchemeVote',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('department', models.CharField(blank=True, choices=[('marketing', '营销部'), ('operations', '运检部'), ('dispatch', '调控中心'), ('planning', '发展策划部'), ('materials', '物资部')], max_length=20, verbose_name='所在部门')),
                ('vote', models.CharField(choices=[('approve', '同意'), ('reject', '不同意'), ('abstain', '弃权')], max_length=20, verbose_name='表决意见')),
                ('comment', models.CharField(blank=True, max_length=500, verbose_name='说明')),
                ('decision', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='votes', to='monitoring.schemedecision', verbose_name='集体决策')),
                ('member', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='表决人')),
            ],
            options={
                'verbose_name': '方案表决',
                'verbose_name_plural': '方案表决',
                'ordering': ['decision', 'pk'],
            },
        ),
        migrations.AddIndex(
            model_name='meeting',
            index=models.Index(fields=['unit', 'kind', 'held_at'], name='meeting_unit_kind'),
        ),
        migrations.AddConstraint(
            model_name='meeting',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'void'), _negated=True), models.Q(('void_reason', ''), _negated=True), _connector='OR'), name='meeting_void_with_reason'),
        ),
        migrations.AddConstraint(
            model_name='meeting',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'issued'), _negated=True), ('issued_at__isnull', False), _connector='OR'), name='meeting_issued_has_time'),
        ),
        migrations.AddConstraint(
            model_name='actionitem',
            constraint=models.CheckConstraint(condition=models.Q(('status', 'open'), models.Q(('result', ''), _negated=True), _connector='OR'), name='action_item_closed_with_result'),
        ),
        migrations.AddConstraint(
            model_name='schemevote',
            constraint=models.UniqueConstraint(fields=('decision', 'member'), name='one_vote_per_member'),
        ),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
