"""Complaints (投诉) and confidential reports (举报); their reply limits (10 working days,
《供电监管办法》); roles gain the complaint permissions (the reporter's identity: 纪检 only)."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def add_policies(apps, schema_editor):
    ComplaintPolicy = apps.get_model("monitoring", "ComplaintPolicy")
    for kind in ("complaint", "report"):
        ComplaintPolicy.objects.get_or_create(kind=kind, defaults={"reply_working_days": 10})


def sync_roles(apps, schema_editor):
    from applications.roles import sync_roles

    sync_roles(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("applications", "0006_personal_data"),
        ("monitoring", "0011_dashboard_stage_rollup"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ComplaintPolicy',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('complaint', '投诉'), ('report', '举报')], max_length=20, unique=True, verbose_name='类型')),
                ('reply_working_days', models.PositiveSmallIntegerField(default=10, help_text='《供电监管办法》：投诉自受理之日起10个工作日内答复', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(60)], verbose_name='答复时限（工作日）')),
            ],
            options={
                'verbose_name': '投诉处理时限',
                'verbose_name_plural': '投诉处理时限',
                'ordering': ['kind'],
            },
        ),
        migrations.CreateModel(
            name='Complaint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(editable=False, max_length=20, unique=True, verbose_name='编号')),
                ('kind', models.CharField(choices=[('complaint', '投诉'), ('report', '举报')], max_length=20, verbose_name='类型')),
                ('channel', models.CharField(choices=[('95598', '95598'), ('app', '网上国网'), ('customer_page', '客户页面'), ('call_or_visit', '来电来访'), ('staff', '员工录入')], max_length=20, verbose_name='来源渠道')),
                ('external_ref', models.CharField(blank=True, help_text='如95598工单编号；同一渠道的同一工单号只登记一次', max_length=64, verbose_name='外部工单号')),
                ('received_at', models.DateTimeField(verbose_name='受理时间')),
                ('content', models.TextField(help_text='客户原话', verbose_name='诉求内容')),
                ('category', models.CharField(choices=[('progress', '办电进度'), ('attitude', '服务态度'), ('charges', '收费问题'), ('off_system', '线外流转、吃拿卡要'), ('designation', '指定设计、施工、设备'), ('supply', '停电及供电质量'), ('other', '其他')], max_length=20, verbose_name='问题分类')),
                ('status', models.CharField(choices=[('received', '待受理'), ('handling', '处理中'), ('replied', '已答复'), ('closed', '已办结'), ('withdrawn', '已撤回')], default='received', max_length=20, verbose_name='状态')),
                ('reply_working_days', models.PositiveSmallIntegerField(verbose_name='答复时限（工作日）')),
                ('reply', models.TextField(blank=True, verbose_name='处理结果及答复')),
                ('replied_at', models.DateTimeField(blank=True, null=True, verbose_name='答复时间')),
                ('feedback', models.CharField(blank=True, choices=[('satisfied', '满意'), ('fairly_satisfied', '基本满意'), ('dissatisfied', '不满意')], max_length=20, verbose_name='客户评价')),
                ('feedback_comment', models.TextField(blank=True, verbose_name='客户意见')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='办结时间')),
                ('withdrawn_at', models.DateTimeField(blank=True, null=True, verbose_name='撤回时间')),
                ('withdraw_reason', models.CharField(blank=True, max_length=200, verbose_name='撤回原因')),
                ('reporter_name', models.CharField(blank=True, max_length=50, verbose_name='举报人姓名')),
                ('reporter_phone', models.CharField(blank=True, max_length=30, verbose_name='举报人电话')),
                ('reporter_contact', models.CharField(blank=True, max_length=200, verbose_name='举报人其他联系方式')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='录入时间')),
                ('application', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='complaints', to='applications.application', verbose_name='业扩申请')),
                ('created_by', models.ForeignKey(blank=True, help_text='外部系统推送的为空', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='录入人')),
                ('customer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='complaints', to='applications.customer', verbose_name='客户')),
                ('handler', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='complaints_handled', to=settings.AUTH_USER_MODEL, verbose_name='承办人')),
                ('staff_concerned', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='complaints_concerning', to=settings.AUTH_USER_MODEL, verbose_name='被投诉人员')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='complaints', to='applications.unit', verbose_name='被投诉单位')),
            ],
            options={
                'verbose_name': '投诉举报',
                'verbose_name_plural': '投诉举报',
                'ordering': ['-received_at', '-pk'],
                'permissions': [('assign_complaint', '分派投诉举报'), ('handle_complaint', '处理、答复投诉举报'), ('view_report', '查看举报'), ('view_reporter_identity', '查看举报人身份')],
                'indexes': [models.Index(fields=['unit', 'received_at'], name='complaint_unit_received'), models.Index(fields=['staff_concerned', 'received_at'], name='complaint_staff_received')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('external_ref', ''), _negated=True), fields=('channel', 'external_ref'), name='complaint_unique_external_ref'), models.CheckConstraint(condition=models.Q(('kind', 'report'), models.Q(('reporter_contact', ''), ('reporter_name', ''), ('reporter_phone', '')), _connector='OR'), name='complaint_reporter_only_on_reports')],
            },
        ),
        migrations.RunPython(add_policies, migrations.RunPython.noop),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
