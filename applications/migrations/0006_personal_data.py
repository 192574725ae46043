"""The personal-data access log, and the permission to see full identity and phone numbers."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def sync_roles(apps, schema_editor):
    from applications.roles import sync_roles

    sync_roles(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("applications", "0005_import_job_progress"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name='PersonalDataAccess',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='时间')),
                ('action', models.CharField(choices=[('view', '查看完整信息'), ('export', '导出')], max_length=10, verbose_name='操作')),
                ('subject', models.CharField(max_length=200, verbose_name='对象')),
                ('object_model', models.CharField(blank=True, max_length=100, verbose_name='数据类型')),
                ('object_id', models.CharField(blank=True, db_index=True, max_length=40, verbose_name='记录编号')),
                ('rows', models.PositiveIntegerField(default=1, verbose_name='行数')),
                ('masked', models.BooleanField(default=False, help_text='导出的证件号和电话是否已脱敏', verbose_name='已脱敏')),
                ('ip_address', models.GenericIPAddressField(blank=True, null=True, verbose_name='IP地址')),
                ('path', models.CharField(blank=True, max_length=300, verbose_name='页面')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='用户')),
            ],
            options={
                'verbose_name': '个人信息访问记录',
                'verbose_name_plural': '个人信息访问记录',
                'ordering': ['-at', '-pk'],
                'permissions': [('view_personal_data', '查看完整证件号码和联系电话')],
            },
        ),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
