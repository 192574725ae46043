"""Consigned stock: draws, reservations for 业扩, the threshold alert, loans."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from applications.services.errors import TransitionRefused
from applications.states import Department
from monitoring.models import EmailDelivery, Notification
from projects.models import ConsignedStock, Project
from projects.services.materials import borrow, draw_materials, restock, return_loan

NOON = datetime(2026, 11, 20, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_a_draw_takes_the_quantity_from_stock(make_project, staff, stock):
    project = make_project()

    requisition = draw_materials(
        user=staff["project_manager"], project=project, lines=[(stock, Decimal("120"))], at=NOON
    )

    stock.refresh_from_db()
    assert stock.quantity == Decimal("380.00")
    assert [(line.stock, line.quantity) for line in requisition.lines.all()] == [
        (stock, Decimal("120.00"))
    ]


def test_a_draw_beyond_stock_is_refused_and_changes_nothing(make_project, staff, stock, unit):
    other = ConsignedStock.objects.create(
        unit=unit,
        warehouse="西湖寄存库",
        item=stock.item.__class__.objects.create(
            code="JKLYJ-70", name="架空绝缘线", unit_of_measure="米"
        ),
        quantity=Decimal("50"),
    )
    project = make_project()

    with pytest.raises(TransitionRefused) as refused:
        draw_materials(
            user=staff["project_manager"],
            project=project,
            lines=[(stock, Decimal("10")), (other, Decimal("80"))],
        )

    assert refused.value.reasons == ["架空绝缘线库存不足：现有 50.00 米，需领用 80 米。"]
    stock.refresh_from_db()
    assert stock.quantity == Decimal("500.00")  # all or nothing
    assert project.requisitions.count() == 0


def test_stock_reserved_for_expansion_is_refused_to_a_project_without_application(
    make_project, staff, stock
):
    stock.reserved_for_expansion = True
    stock.save()
    ahead = make_project(kind=Project.Kind.AHEAD)

    with pytest.raises(TransitionRefused) as refused:
        draw_materials(user=staff["project_manager"], project=ahead, lines=[(stock, 10)])

    assert refused.value.reasons == [
        "电力电缆3×70为业扩专用物资，只有关联业扩申请的配套工程可以领用。"
    ]
    draw_materials(user=staff["project_manager"], project=make_project(), lines=[(stock, 10)])
    stock.refresh_from_db()
    assert stock.quantity == Decimal("490.00")


def test_stock_reserved_for_one_application_goes_only_to_its_projects(
    make_project, make_app, staff, stock
):
    reserved_for = make_app()
    stock.reserved_application = reserved_for
    stock.save()

    with pytest.raises(TransitionRefused) as refused:
        draw_materials(user=staff["project_manager"], project=make_project(), lines=[(stock, 5)])

    assert refused.value.reasons == [
        f"电力电缆3×70为业扩申请{reserved_for.number}预留，本工程未关联该申请，不能领用。"
    ]
    mine = make_project(applications=[reserved_for])
    draw_materials(user=staff["project_manager"], project=mine, lines=[(stock, 5)])


def test_falling_below_the_threshold_alerts_once_per_dip(
    make_project, staff, stock, materials_officer
):
    pm = staff["project_manager"]
    materials_approver = staff["approvers"][Department.MATERIALS]
    materials_approver.email = "wz@example.com"
    materials_approver.save()
    project = make_project()

    draw_materials(user=pm, project=project, lines=[(stock, 350)], at=NOON)  # 150 left: above
    assert Notification.objects.count() == 0

    draw_materials(user=pm, project=project, lines=[(stock, 60)], at=NOON)  # 90 < 100: alert
    draw_materials(user=pm, project=project, lines=[(stock, 10)], at=NOON)  # still the same dip

    alerts = Notification.objects.order_by("recipient__username")
    title = "库存预警：西湖寄存库 电力电缆3×70低于最低库存"
    assert [(n.recipient.username, n.title) for n in alerts] == [
        ("approver_materials", title),
        ("keeper", title),
        ("pm", title),
    ]
    assert alerts[0].alert is None
    assert alerts[0].body == (
        f"工程{project.number}领料后，西湖寄存库的电力电缆3×70剩余 90.00 米，"
        "低于最低库存 100.00 米，请及时补充。"
    )
    assert list(EmailDelivery.objects.values_list("to_address", flat=True)) == ["wz@example.com"]

    # Restocked above the threshold, the next dip alerts again.
    restock(user=materials_officer, stock=stock, quantity=Decimal("100"))
    stock.refresh_from_db()
    assert stock.below_threshold_since is None
    draw_materials(user=pm, project=project, lines=[(stock, 100)], at=NOON)
    assert Notification.objects.count() == 6


def test_only_materials_staff_restock(staff, stock, materials_officer):
    with pytest.raises(TransitionRefused) as refused:
        restock(user=staff["project_manager"], stock=stock, quantity=Decimal("10"))
    assert refused.value.reasons == ["您没有“入库/补充寄存物料”的权限。"]

    restock(user=materials_officer, stock=stock, quantity=Decimal("10"))
    stock.refresh_from_db()
    assert stock.quantity == Decimal("510.00")


def test_a_loan_from_the_secondary_warehouse_is_returned_with_a_record(
    make_project, staff, cable, materials_officer
):
    loan = borrow(
        user=staff["project_manager"],
        project=make_project(),
        item=cable,
        quantity=Decimal("40"),
        due_back_on=date(2026, 11, 30),
        at=NOON,
    )

    with pytest.raises(TransitionRefused) as refused:
        return_loan(user=materials_officer, loan=loan, returned_quantity=Decimal("30"))
    assert refused.value.reasons == ["归还数量少于借用数量，请在归还说明中写明差额去向。"]

    returned = return_loan(
        user=materials_officer,
        loan=loan,
        returned_quantity=Decimal("30"),
        note="10 米已用于工程，转领料",
        at=NOON,
    )
    assert (returned.returned_at, returned.returned_quantity, returned.returned_to) == (
        NOON,
        Decimal("30"),
        materials_officer,
    )
    with pytest.raises(TransitionRefused) as again:
        return_loan(user=materials_officer, loan=loan, returned_quantity=Decimal("30"))
    assert again.value.reasons[0] == "该借用已于2026-11-20 12:00:00+08:00归还。"
