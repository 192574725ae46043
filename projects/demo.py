"""Demo grid-side projects for `load_demo`: a few projects in different phases, consigned
stock with one item near its threshold, a loan, and outage plans — one awaiting dispatch.
Everything goes through the services, so the demo obeys the same rules as people do."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from applications import roles
from applications.demo import make_staff
from applications.models import Application
from applications.states import State

from .models import ConsignedStock, ConstructionTeam, MaterialItem, OutagePlan, Project
from .models import ProjectPhase as P
from .services import materials, outages, progress, projects

ITEMS = [
    ("DL-YJV22-3x70", "电力电缆YJV22-3×70", "米"),
    ("GT-12M", "水泥杆12米", "根"),
    ("BYQ-S13-400", "配电变压器S13-400kVA", "台"),
    ("JX-JKLYJ-70", "架空绝缘导线JKLYJ-70", "米"),
]


def _phases(project, pm, *, start, done: int, now):
    """Plan the four phases a week apart from `start`; record the first `done` as done."""
    for i, phase in enumerate(P.ORDER):
        planned = (start + timedelta(days=7 * (i + 1))).date()
        projects.plan_phase(user=pm, project=project, phase=phase, planned_on=planned, at=start)
        if i < done:
            actual = min(planned + timedelta(days=i % 2), timezone.localdate(now))
            projects.record_phase_done(
                user=pm, project=project, phase=phase, actual_on=actual, at=now
            )


def _reports(project, pm, now, percents, texts):
    for days_ago, (percent, text) in enumerate(zip(percents, texts, strict=True)):
        at = now - timedelta(days=len(percents) - days_ago - 1, hours=2)
        progress.report_progress(
            user=pm, project=project, percent=percent, text=text, reported_on=at.date(), at=at
        )


def load_projects(*, unit, pm, password: str, now=None) -> dict:
    """Demo projects of `unit` managed by `pm`; returns the demo accounts it adds."""
    now = now or timezone.now()
    keeper = make_staff(
        f"wuzi_{unit.code}",
        role=roles.MATERIALS_OFFICER,
        unit=unit,
        full_name=f"{unit.name[:2]}物资专责",
        password=password,
    )
    accounts = {keeper.username: (keeper, "物资专责：寄存物料入库、二级库归还")}
    if Project.objects.filter(unit=unit).exists():
        return accounts
    crew, _ = ConstructionTeam.objects.get_or_create(
        name=f"{unit.name[:2]}供电所施工班",
        defaults={"kind": ConstructionTeam.Kind.INTERNAL, "unit": unit},
    )
    contractor, _ = ConstructionTeam.objects.get_or_create(
        name="杭州宏远电力安装有限公司",
        defaults={
            "kind": ConstructionTeam.Kind.CONTRACTED,
            "unit": unit,
            "contact_name": "周工",
            "contact_phone": "13800001111",
        },
    )
    apps = Application.objects.filter(unit=unit, has_grid_works=True).order_by("accepted_at")
    in_works = list(apps.filter(state=State.GRID_WORKS)[:2])
    energized = list(apps.filter(energized_at__isnull=False)[:1])
    in_scheme = list(apps.filter(state=State.SCHEME)[:1])
    start = now - timedelta(days=30)

    def create(**fields):
        linked = fields.pop("applications", [])
        project = Project(unit=unit, project_manager=pm, **fields)
        return projects.create_project(user=pm, project=project, applications=linked, at=start)

    built = []
    if in_works:
        ordinary = create(
            name="幸福路10kV配套线路工程",
            applications=in_works,
            construction_team=contractor,
            poles=8,
            line_length_km=Decimal("1.2"),
            transformer_kva=Decimal("400"),
        )
        _phases(ordinary, pm, start=start, done=3, now=now)  # completion planned, now late
        _reports(ordinary, pm, now, [55, 62, 70], ["立杆完成", "放线 600 米", "放线 900 米"])
        built.append(ordinary)
    if energized:
        connect_first = create(
            name="文三路先接入后改造工程",
            kind=Project.Kind.CONNECT_FIRST,
            applications=energized,
            construction_team=crew,
            poles=2,
            is_small_job=True,
            line_length_km=Decimal("0.2"),
            note="临时从相邻台区接入，新建台区后改接",
        )
        _phases(connect_first, pm, start=start + timedelta(days=14), done=1, now=now)
    if in_scheme:
        # Site ahead of the system: reported complete while the application is still in
        # scheme — what supervision looks for (线外流转).
        ahead_of_system = create(
            name="学院路低压配套工程", applications=in_scheme, construction_team=crew, poles=1
        )
        _reports(ahead_of_system, pm, now, [80, 100], ["接户线敷设", "竣工，待送电"])
    ahead = create(
        name="科创园三期预推进工程",
        kind=Project.Kind.AHEAD,
        expected_customer="科创园三期（预计 6 家企业）",
        expected_demand_kva=Decimal("2500"),
        construction_team=contractor,
        poles=14,
        line_length_km=Decimal("2.6"),
        transformer_kva=Decimal("1260"),
    )
    _phases(ahead, pm, start=now - timedelta(days=3), done=0, now=now)

    stock = _stock(unit, keeper, now)
    if built:
        project = built[0]
        materials.draw_materials(
            user=pm, project=project, lines=[(stock["GT-12M"], 8)], note="立杆", at=now
        )
        materials.borrow(
            user=pm,
            project=project,
            item=stock["JX-JKLYJ-70"].item,
            quantity=Decimal("300"),
            due_back_on=(now + timedelta(days=5)).date(),
            at=now,
        )
        _outages(project, pm, now)
    return accounts


def _stock(unit, keeper, now) -> dict[str, ConsignedStock]:
    rows = {
        # code: (quantity, threshold, reserved for 业扩)
        "DL-YJV22-3x70": (Decimal("800"), Decimal("200"), False),
        "GT-12M": (Decimal("19"), Decimal("10"), False),  # 11 left after the demo draw
        "BYQ-S13-400": (Decimal("3"), Decimal("1"), True),
        "JX-JKLYJ-70": (Decimal("2000"), Decimal("500"), False),
    }
    stock = {}
    for code, name, uom in ITEMS:
        item, _ = MaterialItem.objects.get_or_create(
            code=code, defaults={"name": name, "unit_of_measure": uom}
        )
        quantity, threshold, reserved = rows[code]
        stock[code], _ = ConsignedStock.objects.get_or_create(
            unit=unit,
            warehouse=f"{unit.name[:2]}寄存库",
            item=item,
            defaults={"threshold": threshold, "reserved_for_expansion": reserved},
        )
        materials.restock(user=keeper, stock=stock[code], quantity=quantity, at=now)
    return stock


def _outages(project, pm, now):
    day = timezone.localtime(now).replace(hour=8, minute=0, second=0, microsecond=0)
    waiting = outages.save_draft(
        user=pm,
        plan=OutagePlan(
            project=project,
            kind=OutagePlan.Kind.WEEKLY,
            description="10kV幸福线12号杆T接新建线路，停12—18号杆段",
            requested_start=day + timedelta(days=4),
            requested_end=day + timedelta(days=4, hours=6),
        ),
    )
    outages.submit(user=pm, plan=waiting, at=now)
    outages.save_draft(
        user=pm,
        plan=OutagePlan(
            project=project,
            kind=OutagePlan.Kind.EXEMPT,
            live_line=True,
            description="带电搭接引流线，不停电",
            requested_start=day + timedelta(days=6),
            requested_end=day + timedelta(days=6, hours=2),
        ),
    )
