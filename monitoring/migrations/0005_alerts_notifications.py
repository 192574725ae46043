"""Alerts, the in-app inbox and e-mail deliveries (issue 3); the roles get their permissions.

The callbacks' migration (0006) depends on this one.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def sync_roles(apps, schema_editor):
    from applications.roles import sync_roles

    sync_roles(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('applications', '0002_roles_and_policies'),
        ('monitoring', '0004_sync_roles'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name='Alert',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('warning', '时限预警'), ('overdue', '超期告警'), ('escalation', '超期升级')], max_length=20, verbose_name='类型')),
                ('level', models.PositiveSmallIntegerField(help_text='0 预警，1 超期，2 起为升级', verbose_name='级别')),
                ('raised_at', models.DateTimeField(verbose_name='产生时间')),
                ('due_at', models.DateTimeField(help_text='产生时该环节的到期时间', verbose_name='到期时间')),
                ('notified_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='通知时间')),
                ('acknowledged_at', models.DateTimeField(blank=True, null=True, verbose_name='确认时间')),
                ('note', models.TextField(blank=True, verbose_name='处理说明')),
                ('acknowledged_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='确认人')),
                ('application', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='alerts', to='applications.application', verbose_name='业扩申请')),
                ('clock', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='alerts', to='monitoring.stageclock', verbose_name='环节时限')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='applications.unit', verbose_name='供电单位')),
            ],
            options={
                'verbose_name': '时限告警',
                'verbose_name_plural': '时限告警',
                'ordering': ['-raised_at', '-level'],
                'permissions': [('acknowledge_alert', '确认时限告警')],
            },
        ),
        migrations.CreateModel(
            name='Notification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('warning', '时限预警'), ('overdue', '超期告警'), ('escalation', '超期升级')], max_length=20, verbose_name='类型')),
                ('title', models.CharField(max_length=200, verbose_name='标题')),
                ('body', models.TextField(blank=True, verbose_name='内容')),
                ('link', models.CharField(blank=True, max_length=300, verbose_name='链接')),
                ('created_at', models.DateTimeField(verbose_name='通知时间')),
                ('read_at', models.DateTimeField(blank=True, null=True, verbose_name='已读时间')),
                ('acknowledged_at', models.DateTimeField(blank=True, null=True, verbose_name='确认时间')),
                ('alert', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='monitoring.alert', verbose_name='时限告警')),
                ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL, verbose_name='接收人')),
            ],
            options={
                'verbose_name': '站内通知',
                'verbose_name_plural': '站内通知',
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='EmailDelivery',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('to_address', models.EmailField(max_length=254, verbose_name='收件地址')),
                ('status', models.CharField(choices=[('pending', '待发送'), ('sending', '发送中'), ('sent', '已发送'), ('failed', '发送失败')], default='pending', max_length=10, verbose_name='状态')),
                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='已尝试次数')),
                ('last_error', models.TextField(blank=True, verbose_name='最近错误')),
                ('next_attempt_at', models.DateTimeField(verbose_name='下次发送时间')),
                ('claim_token', models.UUIDField(blank=True, editable=False, null=True, verbose_name='领取标记')),
                ('claimed_at', models.DateTimeField(blank=True, null=True, verbose_name='领取时间')),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='发送时间')),
                ('created_at', models.DateTimeField(verbose_name='创建时间')),
                ('notification', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='email', to='monitoring.notification', verbose_name='站内通知')),
            ],
            options={
                'verbose_name': '邮件发送',
                'verbose_name_plural': '邮件发送',
                'ordering': ['-created_at', '-pk'],
                'permissions': [('resend_emaildelivery', '重新发送邮件')],
            },
        ),
        migrations.AddIndex(
            model_name='alert',
            index=models.Index(condition=models.Q(('notified_at__isnull', True)), fields=['id'], name='alert_unnotified'),
        ),
        migrations.AddIndex(
            model_name='alert',
            index=models.Index(fields=['unit', 'raised_at'], name='alert_unit_raised'),
        ),
        migrations.AddConstraint(
            model_name='alert',
            constraint=models.UniqueConstraint(fields=('clock', 'kind', 'level'), name='alert_once_per_level'),
        ),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(condition=models.Q(('read_at__isnull', True)), fields=['recipient'], name='notification_unread'),
        ),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(fields=['recipient', 'created_at'], name='notification_inbox'),
        ),
        migrations.AddConstraint(
            model_name='notification',
            constraint=models.UniqueConstraint(fields=('alert', 'recipient'), name='notification_once'),
        ),
        migrations.AddIndex(
            model_name='emaildelivery',
            index=models.Index(condition=models.Q(('status', 'pending')), fields=['next_attempt_at'], name='email_pending_due'),
        ),
        migrations.AddIndex(
            model_name='emaildelivery',
            index=models.Index(condition=models.Q(('status', 'sending')), fields=['claimed_at'], name='email_claimed'),
        ),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
