"""Charges (收费项目) with their log, and the roles' charge permissions."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def sync_roles(apps, schema_editor):
    from applications.roles import sync_roles

    sync_roles(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('applications', '0006_personal_data'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name='Charge',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(editable=False, max_length=30, unique=True, verbose_name='收费编号')),
                ('kind', models.CharField(choices=[('high_reliability', '高可靠性供电费'), ('temporary', '临时接电费'), ('metering', '计量装置费'), ('works', '客户工程费'), ('other', '其他')], max_length=20, verbose_name='收费项目')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='金额(元)')),
                ('explanation', models.TextField(help_text='向客户书面说明收费依据和标准，客户页面可见', verbose_name='收费说明')),
                ('status', models.CharField(choices=[('issued', '待缴'), ('paid', '已缴'), ('waived', '已减免'), ('cancelled', '已撤销')], db_index=True, default='issued', max_length=10, verbose_name='状态')),
                ('issued_at', models.DateTimeField(db_index=True, verbose_name='开具时间')),
                ('paid_at', models.DateTimeField(blank=True, db_index=True, null=True, verbose_name='缴费时间')),
                ('payment_source', models.CharField(blank=True, choices=[('marketing', '营销系统'), ('app', '网上国网'), ('counter', '营业厅')], max_length=20, verbose_name='缴费数据来源')),
                ('payment_reference', models.CharField(blank=True, help_text='如营销系统的电子发票号或流水号', max_length=64, verbose_name='缴费流水号')),
                ('invoice_number', models.CharField(blank=True, max_length=64, verbose_name='发票号码')),
                ('payment_recorded_at', models.DateTimeField(blank=True, null=True, verbose_name='缴费登记时间')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='减免/撤销时间')),
                ('closed_reason', models.TextField(blank=True, verbose_name='减免/撤销原因')),
                ('application', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='charges', to='applications.application', verbose_name='业扩申请')),
                ('closed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='减免/撤销人')),
                ('issued_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='开具人')),
                ('payment_recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='缴费登记人')),
            ],
            options={
                'verbose_name': '收费项目',
                'verbose_name_plural': '收费项目',
                'ordering': ['application', 'issued_at', 'pk'],
                'permissions': [('issue_charge', '开具收费项目'), ('waive_charge', '减免收费'), ('cancel_charge', '撤销收费项目'), ('record_charge_payment', '登记缴费')],
            },
        ),
        migrations.CreateModel(
            name='ChargeEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('action', models.CharField(choices=[('issue', '开具'), ('waive', '减免'), ('cancel', '撤销'), ('pay', '登记缴费')], max_length=10, verbose_name='操作')),
                ('system', models.CharField(blank=True, max_length=40, verbose_name='外部系统')),
                ('at', models.DateTimeField(db_index=True, verbose_name='时间')),
                ('comment', models.TextField(blank=True, verbose_name='说明')),
                ('actor', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='办理人')),
                ('charge', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='events', to='applications.charge', verbose_name='收费项目')),
            ],
            options={
                'verbose_name': '收费操作记录',
                'verbose_name_plural': '收费操作记录',
                'ordering': ['charge', 'at', 'pk'],
            },
        ),
        migrations.AddIndex(
            model_name='charge',
            index=models.Index(fields=['status', 'issued_at'], name='application_status_f1f589_idx'),
        ),
        migrations.AddConstraint(
            model_name='charge',
            constraint=models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='charge_amount_positive'),
        ),
        migrations.AddConstraint(
            model_name='charge',
            constraint=models.CheckConstraint(condition=models.Q(('paid_at__isnull', True), ('paid_at__gte', models.F('issued_at')), _connector='OR'), name='charge_paid_after_issue'),
        ),
        migrations.AddConstraint(
            model_name='charge',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'paid'), ('paid_at__isnull', False), models.Q(('payment_reference', ''), _negated=True)), models.Q(models.Q(('status', 'paid'), _negated=True), ('paid_at__isnull', True)), _connector='OR'), name='charge_paid_has_payment'),
        ),
        migrations.AddConstraint(
            model_name='charge',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status__in', ['waived', 'cancelled']), models.Q(('closed_reason', ''), _negated=True)), models.Q(models.Q(('status__in', ['waived', 'cancelled']), _negated=True), ('closed_at__isnull', True)), _connector='OR'), name='charge_closed_has_reason'),
        ),
        migrations.AddConstraint(
            model_name='charge',
            constraint=models.UniqueConstraint(condition=models.Q(('payment_reference', ''), _negated=True), fields=('payment_source', 'payment_reference'), name='charge_payment_reference_unique'),
        ),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
