"""The shipped time-limit defaults of DOMAIN.md §4a, in force from 2024-01-01.

Company targets, each within the legal ceilings of 《供电监管办法》. Supervisors change them in
the admin by adding rows with a later effective date.
"""

import datetime

from django.db import migrations

EFFECTIVE_FROM = datetime.date(2024, 1, 1)
LV_R, LV_B, HV_S, HV_D = "lv_resident", "lv_business", "hv_single", "hv_dual"
ALL, HV = (LV_R, LV_B, HV_S, HV_D), (HV_S, HV_D)

SEED_000 = "种子000《业扩全环节流程时限管控》"
WITHIN_CEILING = "公司标准，严于《供电监管办法》（办理用电业务期限）"
CUSTOMER_TIME = "客户自行办理，不计公司时限"

# (stage, classes, limit, unit, warn, warn unit, small-job limit, basis); limit None: no limit.
DAY_WARNING = (1, "working_days")
STAGES = [
    ("accept", ALL, 24, "hours", (25, "percent"), None, SEED_000 + "：24小时内完成受理"),
    ("scheme", (LV_R,), 2, "working_days", DAY_WARNING, None, WITHIN_CEILING + "（上限3个工作日）"),
    ("scheme", (LV_B,), 3, "working_days", DAY_WARNING, None, WITHIN_CEILING + "（上限8个工作日）"),
    ("scheme", (HV_S,), 10, "working_days", DAY_WARNING, None, WITHIN_CEILING + "（上限20个工作日）"),
    ("scheme", (HV_D,), 20, "working_days", DAY_WARNING, None, WITHIN_CEILING + "（上限45个工作日）"),
    ("scheme_approval", HV, 3, "working_days", (48, "hours"), None,
     SEED_000 + "：会签由7天压缩至3个工作日，提前48小时预警"),
    ("customer_design", HV, None, "working_days", None, None, CUSTOMER_TIME),
    ("design_review", HV, 5, "working_days", DAY_WARNING, None, WITHIN_CEILING + "（上限20个工作日）"),
    ("customer_construction", HV, None, "working_days", None, None, CUSTOMER_TIME),
    ("middle_inspection", HV, 3, "working_days", DAY_WARNING, None,
     WITHIN_CEILING + "（上限5个工作日）"),
    ("customer_completion", (LV_B, HV_S, HV_D), None, "working_days", None, None, CUSTOMER_TIME),
    ("grid_works", (LV_R, LV_B), 15, "working_days", DAY_WARNING, 5,
     SEED_000 + "：配套工程15–30天；2基杆及以下由供电所自建5个工作日（种子003）"),
    # High voltage: the grid works run in parallel with the customer's works (a project).
    ("grid_works", HV, 30, "working_days", DAY_WARNING, None, SEED_000 + "：配套工程15–30天"),
    ("completion_inspection", (LV_B,), 3, "working_days", DAY_WARNING, None,
     WITHIN_CEILING + "（上限5个工作日）"),
    ("completion_inspection", HV, 5, "working_days", DAY_WARNING, None,
     WITHIN_CEILING + "（上限7个工作日）"),
    ("contract", HV, 3, "working_days", DAY_WARNING, None, SEED_000 + "：3个工作日内签订合同"),
    ("energize", ALL, 2, "working_days", DAY_WARNING, None,
     SEED_000 + "：2个工作日内装表接电，严于《供电监管办法》（办理用电业务期限）"),
    ("archive", ALL, 5, "working_days", DAY_WARNING, None, "公司标准"),
]  # fmt: skip

# Overdue → responsible and supervisor; +2 working days → unit leader; +5 → marketing.
ESCALATION = [(1, 0, "responsible"), (2, 2, "unit_leader"), (3, 5, "marketing")]

COMMITMENTS = "国家电网公司供电服务“十项承诺”（2023）"
PROCESS = [
    # (class, small/micro or None for any, kind, working days, basis)
    (LV_R, None, "whole_process", 5, COMMITMENTS),
    (LV_B, None, "whole_process", 15, "发改能源规〔2020〕1479号"),
    (LV_B, True, "whole_process", 10, "公司标准（种子003：小微企业10个工作日内接电）"),
    (LV_B, None, "company_steps", 6, COMMITMENTS),
    (HV_S, None, "company_steps", 22, COMMITMENTS),
    (HV_D, None, "company_steps", 32, COMMITMENTS),
]


def load_defaults(apps, schema_editor):
    TimeLimitPolicy = apps.get_model("monitoring", "TimeLimitPolicy")
    EscalationStep = apps.get_model("monitoring", "EscalationStep")
    ProcessLimitPolicy = apps.get_model("monitoring", "ProcessLimitPolicy")
    for stage, classes, limit, unit, warn, small_job, basis in STAGES:
        warn_value, warn_unit = warn or (None, "working_days")
        for customer_class in classes:
            policy, created = TimeLimitPolicy.objects.get_or_create(
                effective_from=EFFECTIVE_FROM,
                customer_class=customer_class,
                stage=stage,
                defaults={
                    "limit_unit": unit,
                    "limit_value": limit,
                    "small_job_limit_value": small_job,
                    "warn_before_value": warn_value,
                    "warn_unit": warn_unit,
                    "counts_against_company": limit is not None,
                    "basis": basis,
                },
            )
            if created and limit is not None:
                EscalationStep.objects.bulk_create(
                    EscalationStep(policy=policy, level=level, overdue_working_days=days,
                                   target=target)
                    for level, days, target in ESCALATION
                )  # fmt: skip
    for customer_class, small_micro, kind, days, basis in PROCESS:
        ProcessLimitPolicy.objects.get_or_create(
            effective_from=EFFECTIVE_FROM,
            customer_class=customer_class,
            small_micro=small_micro,
            kind=kind,
            defaults={"working_days": days, "basis": basis},
        )


def unload_defaults(apps, schema_editor):
    TimeLimitPolicy = apps.get_model("monitoring", "TimeLimitPolicy")
    ProcessLimitPolicy = apps.get_model("monitoring", "ProcessLimitPolicy")
    for stage, classes, *_rest in STAGES:
        TimeLimitPolicy.objects.filter(
            effective_from=EFFECTIVE_FROM, stage=stage, customer_class__in=classes
        ).delete()  # escalation steps go with them (CASCADE)
    for customer_class, small_micro, kind, *_rest in PROCESS:
        ProcessLimitPolicy.objects.filter(
            effective_from=EFFECTIVE_FROM,
            customer_class=customer_class,
            small_micro=small_micro,
            kind=kind,
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0002_policies_and_clocks")]

    operations = [migrations.RunPython(load_defaults, unload_defaults)]
