"""Callbacks (回访, issue 3); customer managers and supervisors get to record them."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def sync_roles(apps, schema_editor):
    from applications.roles import sync_roles

    sync_roles(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('applications', '0002_roles_and_policies'),
        ('monitoring', '0005_alerts_notifications'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name='Callback',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('first', '受理回访'), ('due_date', '到期日回访'), ('satisfaction', '满意度回访')], max_length=20, verbose_name='回访类型')),
                ('due_at', models.DateTimeField(verbose_name='应回访时间')),
                ('status', models.CharField(choices=[('pending', '待回访'), ('reached', '已回访'), ('unreached', '未接通，待重拨'), ('unreachable', '无法联系'), ('cancelled', '已取消')], db_default='pending', default='pending', max_length=20, verbose_name='状态')),
                ('attempts', models.PositiveSmallIntegerField(db_default=0, default=0, verbose_name='拨打次数')),
                ('next_try_at', models.DateTimeField(blank=True, null=True, verbose_name='下次拨打时间')),
                ('last_attempt_at', models.DateTimeField(blank=True, null=True, verbose_name='最近拨打时间')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='办结时间')),
                ('cancel_reason', models.CharField(blank=True, db_default='', default='', max_length=200, verbose_name='取消原因')),
                ('reached_at', models.DateTimeField(blank=True, null=True, verbose_name='接通时间')),
                ('customer_confirmed_applied', models.BooleanField(blank=True, null=True, verbose_name='客户确认本人以此方式申请')),
                ('customer_reported_step', models.CharField(blank=True, choices=[('accept', '① 业务受理'), ('scheme', '② 供电方案确定及答复'), ('design_check', '③ 设计检查'), ('contract', '④ 供电合同签订'), ('energize', '⑤ 投运送电'), ('energized', '已送电'), ('no_application', '未办理申请即已开工')], db_default='', default='', max_length=20, verbose_name='客户反映的现场进度')),
                ('system_state', models.CharField(blank=True, db_default='', default='', max_length=30, verbose_name='回访时系统环节')),
                ('system_step', models.CharField(blank=True, choices=[('accept', '① 业务受理'), ('scheme', '② 供电方案确定及答复'), ('design_check', '③ 设计检查'), ('contract', '④ 供电合同签订'), ('energize', '⑤ 投运送电'), ('energized', '已送电'), ('no_application', '未办理申请即已开工')], db_default='', default='', max_length=20, verbose_name='回访时系统进度')),
                ('progress_matches', models.BooleanField(blank=True, null=True, verbose_name='进度一致')),
                ('off_record_request', models.BooleanField(db_default=False, default=False, help_text='是否被要求线外办理或付费', verbose_name='有线外要求')),
                ('off_record_detail', models.TextField(blank=True, db_default='', default='', verbose_name='线外要求说明')),
                ('satisfaction', models.PositiveSmallIntegerField(blank=True, help_text='1–5分，5分最满意', null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)], verbose_name='满意度')),
                ('comments', models.TextField(blank=True, db_default='', default='', verbose_name='客户意见及备注')),
                ('suspected_off_system', models.BooleanField(db_default=False, db_index=True, default=False, verbose_name='疑似线外流转')),
                ('suspicion_reason', models.TextField(blank=True, db_default='', default='', verbose_name='疑点')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                ('application', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='callbacks', to='applications.application', verbose_name='业扩申请')),
                ('assigned_to', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='callbacks', to=settings.AUTH_USER_MODEL, verbose_name='回访人')),
                ('clock', models.ForeignKey(blank=True, db_index=False, help_text='到期日回访针对的环节', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='callbacks', to='monitoring.stageclock', verbose_name='环节时限')),
                ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='登记人')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='applications.unit', verbose_name='供电单位')),
            ],
            options={
                'verbose_name': '回访',
                'verbose_name_plural': '回访',
                'ordering': ['due_at', 'pk'],
                'permissions': [('record_callback', '登记回访结果')],
                'indexes': [models.Index(condition=models.Q(('status__in', ['pending', 'unreached'])), fields=['assigned_to', 'due_at'], name='callback_open_assignee_due'), models.Index(fields=['unit', 'status', 'due_at'], name='callback_unit_status_due')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('kind', 'first')), fields=('application',), name='one_first_callback'), models.UniqueConstraint(condition=models.Q(('kind', 'satisfaction')), fields=('application',), name='one_satisfaction_callback'), models.UniqueConstraint(fields=('clock',), name='one_due_date_callback_per_clock'), models.CheckConstraint(condition=models.Q(models.Q(('clock__isnull', False), ('kind', 'due_date')), models.Q(models.Q(('kind', 'due_date'), _negated=True), ('clock__isnull', True)), _connector='OR'), name='callback_clock_iff_due_date'), models.CheckConstraint(condition=models.Q(('satisfaction__isnull', True), ('satisfaction__range', (1, 5)), _connector='OR'), name='callback_satisfaction_1_to_5')],
            },
        ),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
