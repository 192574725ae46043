"""Dashboards (issue 5): connection records, monthly figures and daily receipts, the permission to see the
dashboards, and the indexes their queries use. Existing data: run `manage.py refresh_dashboard`
once (the daily schedule does it too)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def sync_roles(apps, schema_editor):
    from applications.roles import sync_roles

    sync_roles(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0002_roles_and_policies"),
        ("monitoring", "0006_callbacks"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="ConnectionRecord",
            fields=[
                (
                    "application",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="connection_record",
                        serialize=False,
                        to="applications.application",
                        verbose_name="业扩申请",
                    ),
                ),
                (
                    "customer_class",
                    models.CharField(
                        choices=[
                            ("lv_resident", "低压居民"),
                            ("lv_business", "低压非居民"),
                            ("hv_single", "高压单电源"),
                            ("hv_dual", "高压双电源"),
                        ],
                        max_length=20,
                        verbose_name="用电类别",
                    ),
                ),
                ("is_small_micro", models.BooleanField(verbose_name="小微企业")),
                ("has_grid_works", models.BooleanField(verbose_name="有配套电网工程")),
                ("energized_at", models.DateTimeField(verbose_name="送电时间")),
                (
                    "working_days",
                    models.PositiveIntegerField(
                        help_text="公司各环节扣除暂停后的用时之和，不含客户时间",
                        verbose_name="接电时长（工作日）",
                    ),
                ),
                ("customer_steps", models.PositiveSmallIntegerField(verbose_name="客户经历环节数")),
                ("late_clocks", models.PositiveSmallIntegerField(verbose_name="超期环节数")),
                ("refreshed_at", models.DateTimeField(verbose_name="计算时间")),
                (
                    "customer_manager",
                    models.ForeignKey(
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="客户经理",
                    ),
                ),
                (
                    "unit",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="applications.unit",
                        verbose_name="供电单位",
                    ),
                ),
            ],
            options={
                "verbose_name": "接电记录",
                "verbose_name_plural": "接电记录",
                "permissions": [("view_dashboard", "查看时限管控看板与报表")],
                "default_permissions": (),
                "indexes": [
                    models.Index(
                        fields=["energized_at"],
                        include=(
                            "unit",
                            "customer_class",
                            "is_small_micro",
                            "has_grid_works",
                            "customer_manager",
                            "working_days",
                            "customer_steps",
                            "late_clocks",
                        ),
                        name="connection_energized",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="MonthlyFigures",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField(help_text="该月1日", verbose_name="月份")),
                (
                    "customer_class",
                    models.CharField(
                        choices=[
                            ("lv_resident", "低压居民"),
                            ("lv_business", "低压非居民"),
                            ("hv_single", "高压单电源"),
                            ("hv_dual", "高压双电源"),
                        ],
                        max_length=20,
                        verbose_name="用电类别",
                    ),
                ),
                ("is_small_micro", models.BooleanField(verbose_name="小微企业")),
                ("received", models.PositiveIntegerField(default=0, verbose_name="受理件数")),
                ("energized", models.PositiveIntegerField(default=0, verbose_name="送电户数")),
                (
                    "connection_days",
                    models.PositiveIntegerField(default=0, verbose_name="接电时长合计（工作日）"),
                ),
                ("judged", models.PositiveIntegerField(default=0, verbose_name="办结环节数")),
                ("breached", models.PositiveIntegerField(default=0, verbose_name="超期办结数")),
                ("covered_until", models.DateField(verbose_name="统计截至（不含）")),
                (
                    "unit",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="applications.unit",
                        verbose_name="供电单位",
                    ),
                ),
            ],
            options={
                "verbose_name": "月度统计",
                "verbose_name_plural": "月度统计",
                "default_permissions": (),
                "constraints": [
                    models.UniqueConstraint(
                        fields=("month", "unit", "customer_class", "is_small_micro"),
                        name="monthly_figures_key",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="DailyReceived",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField(verbose_name="受理日期")),
                (
                    "customer_class",
                    models.CharField(
                        choices=[
                            ("lv_resident", "低压居民"),
                            ("lv_business", "低压非居民"),
                            ("hv_single", "高压单电源"),
                            ("hv_dual", "高压双电源"),
                        ],
                        max_length=20,
                        verbose_name="用电类别",
                    ),
                ),
                ("is_small_micro", models.BooleanField(verbose_name="小微企业")),
                ("channel", models.CharField(max_length=20, verbose_name="受理渠道")),
                ("received", models.PositiveIntegerField(verbose_name="受理件数")),
                ("covered_until", models.DateField(verbose_name="统计截至（不含）")),
                (
                    "unit",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="applications.unit",
                        verbose_name="供电单位",
                    ),
                ),
            ],
            options={
                "verbose_name": "每日受理",
                "verbose_name_plural": "每日受理",
                "default_permissions": (),
                "constraints": [
                    models.UniqueConstraint(
                        fields=("day", "unit", "customer_class", "is_small_micro", "channel"),
                        name="daily_received_key",
                    )
                ],
            },
        ),
        migrations.AddIndex(
            model_name="callback",
            index=models.Index(
                fields=["due_at"],
                include=("kind", "status", "suspected_off_system", "unit"),
                name="callback_due_cover",
            ),
        ),
        migrations.AddIndex(
            model_name="callback",
            index=models.Index(
                condition=models.Q(
                    ("kind", "satisfaction"), ("satisfaction__isnull", False), ("status", "reached")
                ),
                fields=["reached_at"],
                include=("satisfaction", "unit"),
                name="callback_satisfaction_reached",
            ),
        ),
        migrations.AddIndex(
            model_name="stageclock",
            index=models.Index(
                condition=models.Q(
                    ("counts_against_company", True), ("outcome__in", ["met", "breached"])
                ),
                fields=["stopped_at"],
                include=(
                    "stage",
                    "outcome",
                    "elapsed_working_days",
                    "unit",
                    "customer_class",
                    "responsible",
                    "limit_unit",
                    "limit_value",
                ),
                name="clock_judged_stopped",
            ),
        ),
        migrations.AddIndex(
            model_name="stageclock",
            index=models.Index(
                condition=models.Q(
                    ("counts_against_company", True),
                    ("outcome", "open"),
                    ("paused_at__isnull", True),
                ),
                fields=["due_at"],
                include=("warn_at", "stage", "unit", "customer_class", "responsible"),
                name="clock_running",
            ),
        ),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
