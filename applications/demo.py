"""Build realistic applications for the demo and for tests, through the real services.

Nothing here writes state directly: every step goes through the same services the admin uses,
so demo data and test fixtures obey the same rules as people do.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from stdnum.cn import ric, uscc

from . import paths, roles
from .models import (
    Application,
    ApplicationMaterial,
    ChargeKind,
    ChargeStatus,
    Customer,
    CustomerKind,
    IdType,
    PaymentSource,
    StaffProfile,
    SupplyScheme,
    SurveyRecord,
    Unit,
)
from .services.acceptance import accept_application
from .services.approvals import decide_approval, submit_scheme
from .services.charges import issue_charge, record_payment
from .services.lifecycle import perform_transition
from .states import CustomerClass, Department, State, SupplyVoltage

User = get_user_model()


def resident_id(serial: int) -> str:
    """A checksum-valid 18-digit resident ID for fake people (西湖区 330106, born 1983-2001)."""
    birth = datetime(1983, 1, 1) + timedelta(days=serial % 7000)
    body = f"330106{birth:%Y%m%d}{serial % 1000:03d}"
    # calc_check_digit expects the full 18 characters; the last one is ignored.
    return body + ric.calc_check_digit(body + "0")


def credit_code(serial: int) -> str:
    """A checksum-valid unified social credit code for fake firms."""
    body = f"91330106MA{serial:07d}"[:17]
    return body + uscc.calc_check_digit(body)


def make_staff(
    username: str,
    *,
    role: str | None,
    unit: Unit,
    full_name: str = "",
    department: str = "",
    password: str | None = None,
    supervisor=None,
):
    """Create (or fetch) a staff login with its role group and unit profile."""
    user, created = User.objects.get_or_create(
        username=username, defaults={"is_staff": True, "first_name": full_name}
    )
    if created:
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    if role:
        user.groups.add(Group.objects.get(name=role))
    StaffProfile.objects.update_or_create(
        user=user,
        defaults={"unit": unit, "department": department, "supervisor": supervisor},
    )
    return user


def make_customer(serial: int, *, unit: Unit, enterprise: bool, name: str = "") -> Customer:
    kind = CustomerKind.ENTERPRISE if enterprise else CustomerKind.PERSON
    id_type = IdType.CREDIT_CODE if enterprise else IdType.RESIDENT_ID
    number = credit_code(serial) if enterprise else resident_id(serial)
    customer, _ = Customer.objects.get_or_create(
        id_type=id_type,
        id_number=number,
        defaults={
            "name": name or (f"示例企业{serial}有限公司" if enterprise else f"居民客户{serial}"),
            "kind": kind,
            "contact_name": f"联系人{serial}",
            "phone": f"138{serial:08d}"[:11],
            "address": f"{unit.name}辖区幸福路{serial}号",
            "unit": unit,
        },
    )
    return customer


VOLTAGE = {
    CustomerClass.LV_RESIDENT: SupplyVoltage.V220,
    CustomerClass.LV_BUSINESS: SupplyVoltage.V380,
    CustomerClass.HV_SINGLE: SupplyVoltage.KV10,
    CustomerClass.HV_DUAL: SupplyVoltage.KV10,
}


def new_application(
    *,
    user,
    unit: Unit,
    customer_class: str,
    serial: int,
    customer_manager=None,
    project_manager=None,
    capacity: Decimal | int | None = None,
    has_grid_works: bool = False,
    at: datetime | None = None,
    **fields,
) -> Application:
    """Accept an application with every identity document received at the counter."""
    enterprise = customer_class != CustomerClass.LV_RESIDENT
    default_capacity = {"lv_resident": 8, "lv_business": 80, "hv_single": 800, "hv_dual": 4000}
    return accept_application(
        user=user,
        customer=make_customer(serial, unit=unit, enterprise=enterprise),
        unit=unit,
        customer_class=customer_class,
        requested_capacity_kva=Decimal(capacity or default_capacity[customer_class]),
        supply_voltage=VOLTAGE[customer_class],
        site_address=f"{unit.name}辖区建设路{serial}号",
        is_small_micro=fields.pop(
            "is_small_micro",
            customer_class == CustomerClass.LV_BUSINESS and (capacity or 80) <= 160,
        ),
        has_grid_works=has_grid_works,
        customer_manager=customer_manager,
        project_manager=project_manager if has_grid_works else None,
        received_materials=["identity"],
        at=at,
        **fields,
    )


class Walker:
    """Drives one application forward stage by stage, filling in what each stage needs.

    `actors` maps roles to users: front_desk, customer_manager, project_manager, and an
    approver per department (`approvers`).
    """

    def __init__(
        self,
        *,
        customer_manager,
        project_manager=None,
        approvers=None,
        rng=None,
        with_charges=False,
    ):
        self.customer_manager = customer_manager
        self.project_manager = project_manager
        self.approvers = approvers or {}
        self.rng = rng or random.Random(0)
        # Demo only: itemise charges at energization and have them paid (tests issue their own).
        self.with_charges = with_charges

    def prepare(self, app: Application, at: datetime) -> None:
        """Do the work inside the current stage so that it may end."""
        cm = self.customer_manager
        if app.state == State.ACCEPT:
            app.materials.exclude(status=ApplicationMaterial.Status.RECEIVED).update(
                status=ApplicationMaterial.Status.RECEIVED, received_at=at
            )
        elif app.state == State.SCHEME:
            self.draft_scheme(app, at)
            if app.is_high_voltage and not app.scheme_reviews.filter(status="approved").exists():
                review = submit_scheme(application=app, user=cm, at=at)
                for approval in review.approvals.all():
                    decide_approval(
                        approval=approval,
                        user=self.approvers[approval.department],
                        approve=True,
                        comment="同意",
                        at=at,
                    )
        elif app.state == State.ENERGIZE and self.with_charges:
            self.issue_charges(app, at, pay=True)

    def issue_charges(self, app: Application, at: datetime, *, pay: bool) -> None:
        """The charges of a demo application, issued on entering 装表接电 (DOMAIN.md §4:
        itemised with an explanation, paid before energization; 三零 firms' are waived at
        once). Paid through the marketing system's e-invoice some hours later, before `at`."""
        if app.charges.exists():
            return
        items = demo_charge_items(app, self.rng)
        issued = app.state_changed_at or at
        for kind, amount, explanation in items:
            charge = issue_charge(
                application=app,
                user=self.customer_manager,
                kind=kind,
                amount=amount,
                explanation=explanation,
                at=issued,
            )
            if not pay or charge.status != ChargeStatus.ISSUED:
                continue
            paid = issued + timedelta(hours=self.rng.uniform(0.5, 40))
            paid = max(issued, min(paid, at - timedelta(minutes=1)))
            record_payment(
                charge=charge,
                paid_at=paid,
                source=PaymentSource.MARKETING,
                reference=f"EI{charge.pk:010d}",
                invoice_number=f"3300{charge.pk:08d}",
                amount=charge.amount,
                system=str(PaymentSource.MARKETING.label),
                at=paid + timedelta(minutes=3),
            )

    def draft_scheme(self, app: Application, at: datetime) -> None:
        """Survey the site and draft the scheme the customer confirmed (no approval yet)."""
        cm = self.customer_manager
        survey, _ = SurveyRecord.objects.get_or_create(
            application=app,
            defaults={"leader": cm, "surveyed_at": at, "findings": "现场具备接入条件。"},
        )
        if app.requested_capacity_kva > 3000 and self.project_manager:
            survey.members.add(self.project_manager)
        SupplyScheme.objects.get_or_create(
            application=app,
            defaults={
                "supply_voltage": app.supply_voltage,
                "capacity_kva": app.requested_capacity_kva,
                "supply_mode": "dual" if app.customer_class == "hv_dual" else "single",
                "metering_mode": "high" if app.is_high_voltage else "lv",
                "connection_point": "10kV幸福线12号杆" if app.is_high_voltage else "公变台区",
                "customer_confirmed_at": at,
            },
        )

    def step(self, app: Application, at: datetime) -> Application:
        """Finish the current stage with the user and data it needs."""
        self.prepare(app, at)
        app.refresh_from_db()
        user = self.customer_manager
        data: dict = {}
        if app.state == State.GRID_WORKS:
            user = self.project_manager
        elif app.state == State.CONTRACT:
            data = {"contract_number": f"HT-{app.number}", "template": "高压供用电合同"}
        elif app.state == State.ENERGIZE:
            if app.is_high_voltage and app.has_grid_works and not app.grid_works_completed_at:
                app.grid_works_completed_at = at
                app.save(update_fields=["grid_works_completed_at"])
            data = {"meter_number": f"M{app.pk:010d}", "energized_at": at}
        elif app.state == State.ARCHIVE:
            data = {"archive_location": f"档案柜A-{app.pk % 50:02d}"}
        comment = "同意" if app.state in paths.INSPECTION_STAGES else ""
        return perform_transition(
            application=app, name="advance", user=user, at=at, comment=comment, **data
        )

    def walk(self, app: Application, until: str, start: datetime, gap=timedelta(days=1)):
        """Advance until the application reaches state `until` (or is archived).

        `gap` is the time spent in each stage: a timedelta, or a callable taking the stage.
        """
        at = start
        while app.state != until and app.state != State.ARCHIVED:
            at += gap(app.state) if callable(gap) else gap
            app = self.step(app, at)
        return app


def demo_charge_items(app: Application, rng: random.Random) -> list[tuple[str, Decimal, str]]:
    """(kind, amount, explanation) of a demo application's charges; often none at low voltage."""
    items = []
    if app.customer_class == CustomerClass.HV_DUAL:
        amount = (app.requested_capacity_kva * Decimal("165")).quantize(Decimal("0.01"))
        items.append(
            (
                ChargeKind.HIGH_RELIABILITY,
                amount,
                "双电源客户按备用容量收取高可靠性供电费（165元/kVA，依据省发改委核定标准）。",
            )
        )
    if app.is_high_voltage:
        items.append(
            (ChargeKind.METERING, Decimal("3800.00"), "高压计量装置（互感器、计量柜）按成本收取。")
        )
    elif rng.random() < 0.35:
        # 三零 firms get this one too: recorded, and waived at once by the service.
        items.append((ChargeKind.METERING, Decimal("320.00"), "低压三相计量装置按成本收取。"))
    return items


DEMO_COMPANY = ("hangzhou", "杭州市供电公司")
DEMO_UNITS = [
    ("xihu", "西湖供电服务中心"),
    ("yuhang", "余杭供电服务中心"),
    ("linan", "临安供电服务中心"),
]


def ensure_approvers(unit: Unit, prefix: str = "") -> dict[str, object]:
    return {
        dept: make_staff(
            f"{prefix}approver_{dept}",
            role=roles.APPROVER,
            unit=unit,
            full_name=f"{Department(dept).label}审批人",
            department=dept,
        )
        for dept in Department.values
    }


def now() -> datetime:
    return timezone.now()
