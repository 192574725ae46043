"""Role groups with their permissions, and the default policies of DOMAIN.md."""

from django.db import migrations

MATERIALS = {
    "lv_resident": [
        ("identity", "户主身份证明", True, True),
        ("property", "房屋产权证明或租赁协议", True, False),
    ],
    "lv_business": [
        ("identity", "法定代表人或经办人身份证明", True, True),
        ("licence", "营业执照", True, False),
        ("property", "用电地址产权证明或租赁协议", True, False),
    ],
    "hv_single": [
        ("identity", "法定代表人或经办人身份证明", True, True),
        ("licence", "营业执照", True, False),
        ("property", "用电地址产权证明或租赁协议", True, False),
        ("load_list", "用电设备清单及负荷组成", True, False),
        ("project_approval", "项目批复（核准、备案）文件", False, False),
    ],
}
MATERIALS["hv_dual"] = MATERIALS["hv_single"]

# Parallel scheme approvals (seed 001: one parallel round replaces the serial chain).
APPROVALS = {
    "hv_single": [("marketing", False), ("operations", False), ("dispatch", False),
                  ("materials", True)],
    "hv_dual": [("marketing", False), ("operations", False), ("dispatch", False),
                ("planning", False), ("materials", True)],
}


def load_policies(apps, schema_editor):
    MaterialRequirement = apps.get_model("applications", "MaterialRequirement")
    ApprovalRequirement = apps.get_model("applications", "ApprovalRequirement")
    for customer_class, items in MATERIALS.items():
        for order, (code, name, required, is_identity) in enumerate(items):
            MaterialRequirement.objects.get_or_create(
                customer_class=customer_class,
                code=code,
                defaults={"name": name, "required": required, "is_identity": is_identity,
                          "order": order},
            )
    for customer_class, depts in APPROVALS.items():
        for department, only_with_grid_works in depts:
            ApprovalRequirement.objects.get_or_create(
                customer_class=customer_class,
                department=department,
                defaults={"only_with_grid_works": only_with_grid_works},
            )


def unload_policies(apps, schema_editor):
    apps.get_model("applications", "MaterialRequirement").objects.all().delete()
    apps.get_model("applications", "ApprovalRequirement").objects.all().delete()


def sync_roles(apps, schema_editor):
    from applications.roles import sync_roles

    sync_roles(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(load_policies, unload_policies),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
