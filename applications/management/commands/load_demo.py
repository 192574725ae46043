"""Load a realistic spread of demo data: units, one login per role, a few hundred applications.

Idempotent: if demo applications exist it only prints the accounts again.
"""

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from applications import paths, privacy, roles
from applications.demo import (
    DEMO_COMPANY,
    DEMO_UNITS,
    Walker,
    ensure_approvers,
    make_staff,
    new_application,
)
from applications.models import Application, ChargeStatus, PersonalDataAccess, Unit
from applications.services.charges import waive_charge
from applications.services.lifecycle import perform_transition
from applications.signals import demo_loaded
from applications.states import Channel, CustomerClass, State, SuspensionReason

DEMO_PASSWORD = "yekuo-demo-2026"
# Channels staff accept through; online applications come from the customer pages' own demo.
COUNTER_CHANNELS = [c for c in Channel.values if c != Channel.ONLINE]

# Typical time spent in a stage (working hours ≈ days): most quick, a few slow — the late ones.
STAGE_DAYS = {
    State.ACCEPT: (0.2, 1.5),
    State.SCHEME: (1, 8),
    State.GRID_WORKS: (5, 25),
    State.CUSTOMER_DESIGN: (5, 20),
    State.DESIGN_REVIEW: (1, 7),
    State.CUSTOMER_CONSTRUCTION: (5, 20),
    State.MIDDLE_INSPECTION: (1, 4),
    State.CUSTOMER_COMPLETION: (3, 15),
    State.COMPLETION_INSPECTION: (1, 6),
    State.CONTRACT: (1, 4),
    State.ENERGIZE: (0.5, 3),
    State.ARCHIVE: (1, 6),
}
CLASS_MIX = [
    (CustomerClass.LV_RESIDENT, 0.45),
    (CustomerClass.LV_BUSINESS, 0.35),
    (CustomerClass.HV_SINGLE, 0.15),
    (CustomerClass.HV_DUAL, 0.05),
]


class Command(BaseCommand):
    help = "载入演示数据（供电单位、各角色演示账号、数百条业扩申请）"

    def add_arguments(self, parser):
        parser.add_argument("--applications", type=int, default=300)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, applications, seed, **options):
        rng = random.Random(seed)
        with transaction.atomic():
            accounts = self.create_accounts()
        fresh = not Application.objects.exists()
        if fresh:
            self.create_applications(applications, rng, accounts)
        else:
            self.stdout.write("演示申请已存在，未重复载入。")
        with transaction.atomic():
            self.create_projects(accounts)
        if fresh:
            # Other apps (monitoring's supervision) add their demo rows, after the projects
            # that their rules look at; we never import them.
            demo_loaded.send(sender=type(self), accounts=accounts["accounts"], stdout=self.stdout)
        self.create_access_log(accounts)
        self.print_accounts(accounts)

    def create_accounts(self):
        User = get_user_model()
        head, _ = Unit.objects.get_or_create(
            code=DEMO_COMPANY[0], defaults={"name": DEMO_COMPANY[1]}
        )
        units = []
        for code, name in DEMO_UNITS:
            unit, _ = Unit.objects.get_or_create(code=code, defaults={"name": name, "parent": head})
            units.append(unit)
        admin, created = User.objects.get_or_create(
            username="admin",
            defaults={"is_staff": True, "is_superuser": True, "first_name": "系统管理员"},
        )
        if created:
            admin.set_password(DEMO_PASSWORD)
            admin.save()

        def staff(username, role, unit, name, **kw):
            user = make_staff(
                username, role=role, unit=unit, full_name=name, password=DEMO_PASSWORD, **kw
            )
            if not user.email:  # the demo's console backend prints what would be sent
                user.email = f"{username}@demo.yekuo.local"
                user.save(update_fields=["email"])
            return user

        # The city company's marketing-department supervisor: third level of escalation.
        supervisor = staff("zhuguan", roles.SUPERVISOR, head, "王主管", department="marketing")
        accounts = {
            "admin": (admin, "系统管理员（全部权限）"),
            "zhuguan": (supervisor, "主管（市公司）：查看全部单位，退回/暂停/撤销"),
        }
        accounts["jijian"] = (
            staff("jijian", roles.INSPECTOR, head, "李纪检"),
            "纪检：只读查看全部单位，出具监督意见书；办理举报，唯一可见举报人",
        )
        per_unit = {}
        for unit in units:
            leader = staff(f"leader_{unit.code}", roles.SUPERVISOR, unit, f"{unit.name[:2]}负责人")
            if unit.leader_id is None:
                unit.leader = leader
                unit.save(update_fields=["leader"])
            people = {
                "front": staff(
                    f"front_{unit.code}", roles.FRONT_DESK, unit, f"{unit.name[:2]}受理员"
                ),
                "cm": [
                    staff(
                        f"cm_{unit.code}{i}",
                        roles.CUSTOMER_MANAGER,
                        unit,
                        f"{unit.name[:2]}客户经理{i}",
                        supervisor=leader,
                    )
                    for i in (1, 2)
                ],
                "pm": staff(
                    f"pm_{unit.code}",
                    roles.PROJECT_MANAGER,
                    unit,
                    f"{unit.name[:2]}项目经理",
                    supervisor=leader,
                ),
            }
            per_unit[unit.code] = (unit, people)
        approvers = ensure_approvers(head)
        for user in approvers.values():
            user.set_password(DEMO_PASSWORD)
            user.save()
        first = DEMO_UNITS[0][0]
        accounts[f"front_{first}"] = (per_unit[first][1]["front"], "营业受理员：受理、收资料")
        accounts[f"cm_{first}1"] = (per_unit[first][1]["cm"][0], "客户经理：全过程办理")
        accounts[f"pm_{first}"] = (per_unit[first][1]["pm"], "项目经理：配套工程")
        accounts["approver_marketing"] = (approvers["marketing"], "审批人（营销部）：方案会签")
        accounts["approver_operations"] = (approvers["operations"], "审批人（运检部）")
        accounts["approver_dispatch"] = (approvers["dispatch"], "审批人（调控中心）")
        return {"accounts": accounts, "units": per_unit, "approvers": approvers}

    def create_applications(self, count, rng, ctx):
        now = timezone.now()
        classes, weights = zip(*CLASS_MIX, strict=True)
        for i in range(count):
            unit, people = ctx["units"][rng.choice(list(ctx["units"]))]
            customer_class = rng.choices(classes, weights)[0]
            high = customer_class in (CustomerClass.HV_SINGLE, CustomerClass.HV_DUAL)
            capacity = {
                CustomerClass.LV_RESIDENT: rng.choice([4, 8, 10, 16]),
                CustomerClass.LV_BUSINESS: rng.choice([30, 50, 80, 100, 160, 200]),
                CustomerClass.HV_SINGLE: rng.choice([315, 630, 800, 1250, 2000]),
                CustomerClass.HV_DUAL: rng.choice([2000, 3150, 5000]),
            }[customer_class]
            start = now - timedelta(
                days=rng.uniform(1, 120 if high else 45), hours=rng.uniform(0, 8)
            )
            cm = rng.choice(people["cm"])
            with transaction.atomic():
                app = new_application(
                    user=people["front"],
                    unit=unit,
                    customer_class=customer_class,
                    serial=10_000 + i,
                    customer_manager=cm,
                    project_manager=people["pm"],
                    capacity=capacity,
                    has_grid_works=rng.random() < 0.4,
                    is_small_micro=customer_class == CustomerClass.LV_BUSINESS and capacity <= 160,
                    channel=rng.choice(COUNTER_CHANNELS),
                    at=start,
                )
                walker = Walker(
                    customer_manager=cm,
                    project_manager=people["pm"],
                    approvers=ctx["approvers"],
                    rng=rng,
                    with_charges=True,
                )
                self.drive(app, walker, rng, start, now)
            if (i + 1) % 50 == 0:
                self.stdout.write(f"已生成 {i + 1}/{count} 条申请")

    def drive(self, app, walker, rng, start, now):
        """Walk the application forward while its simulated time stays in the past."""
        at = start
        while app.state not in paths.FINAL_STATES:
            low, high = STAGE_DAYS[app.state]
            spent = timedelta(days=rng.uniform(low, high))
            if at + spent >= now:
                break
            at += spent
            app = walker.step(app, at)
        if app.state in paths.FINAL_STATES:
            return
        roll = rng.random()
        cm = walker.customer_manager
        if roll < 0.04 and app.state != State.ARCHIVE:
            perform_transition(
                application=app,
                name="cancel",
                user=cm.staff_profile.supervisor,
                comment="客户取消用电计划",
                at=at + (now - at) / 2,
            )
        elif roll < 0.10 and app.state != State.ARCHIVE:
            perform_transition(
                application=app,
                name="suspend",
                user=cm,
                reason=rng.choice(SuspensionReason.values),
                comment="客户要求暂缓办理",
                at=at + (now - at) / 2,
            )
        elif app.state == State.ENERGIZE:
            self.open_charges(app, walker, rng, now)

    def open_charges(self, app, walker, rng, now):
        """An application waiting for energization has its charges issued, not yet paid (待缴:
        energization waits for them); now and then the unit's leader waives one."""
        walker.issue_charges(app, now, pay=False)
        open_charges = app.charges.filter(status=ChargeStatus.ISSUED)
        if open_charges and rng.random() < 0.25:
            waive_charge(
                charge=open_charges.first(),
                user=walker.customer_manager.staff_profile.supervisor,
                reason="市重点招商项目，经营销部审批同意减免。",
                at=now,
            )

    def create_projects(self, ctx):
        """Grid-side projects, stock and outage plans in the first unit (projects.demo)."""
        from projects.demo import load_projects

        unit, people = ctx["units"][DEMO_UNITS[0][0]]
        added = load_projects(unit=unit, pm=people["pm"], password=DEMO_PASSWORD)
        ctx["accounts"].update(added)

    def create_access_log(self, ctx):
        """A few lines of 个人信息访问记录, so 纪检 and 主管 find the log filled in the demo."""
        if PersonalDataAccess.objects.exists():
            return
        accounts = {name: user for name, (user, _what) in ctx["accounts"].items()}
        apps = list(Application.objects.select_related("customer").order_by("pk")[:3])
        if len(apps) < 3:
            return
        View, Export = PersonalDataAccess.Action.VIEW, PersonalDataAccess.Action.EXPORT
        for user, app, ip in (
            (accounts["front_xihu"], apps[0], "10.20.1.15"),
            (accounts["jijian"], apps[1], "10.20.9.3"),
        ):
            privacy.log_access(
                user=user, action=View, subject=app.customer.name, obj=app.customer, ip_address=ip
            )
        privacy.log_access(
            user=accounts["cm_xihu1"],
            action=View,
            subject=f"{apps[2].number} {apps[2].customer.name}",
            obj=apps[2].customer,
            ip_address="10.20.3.41",
        )
        privacy.log_access(
            user=accounts["zhuguan"],
            action=Export,
            subject="业扩台账导出",
            rows=Application.objects.count(),
            masked=True,
            ip_address="10.20.0.8",
        )

    def print_accounts(self, ctx):
        self.stdout.write(self.style.SUCCESS(f"\n演示账号（密码均为 {DEMO_PASSWORD}）："))
        for username, (user, what) in ctx["accounts"].items():
            self.stdout.write(f"  {username:<22} {user.first_name:<12} {what}")
        self.stdout.write("打开 http://127.0.0.1:8000/admin/ 登录。\n")
