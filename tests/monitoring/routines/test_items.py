"""督办 items: set by a leader, clocked by a Deadline labelled with the title, warned and
escalated by the sweep, closed with a result (met or breached), re-timed, voided with a reason."""

from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType

from applications import roles
from applications.demo import make_staff
from applications.services.errors import TransitionRefused
from monitoring import deadlines
from monitoring.models import Alert, Deadline, Notification, SupervisionItem, SupervisionItemNote
from monitoring.models.supervision import NeverDeleted
from monitoring.routines import items
from monitoring.sweep import run_sweep

from .conftest import TITLE, local

WARN, DUE = local(2026, 3, 6), local(2026, 3, 7)
# Overdue by 2 working days (Mon 9, Tue 10) → level 2; by 5 (Mon 9 … Fri 13) → level 3.
LEVEL_2, LEVEL_3 = local(2026, 3, 11), local(2026, 3, 14)
SECOND = timedelta(seconds=1)
WARNING, OVERDUE, ESCALATION = Alert.Kind.WARNING, Alert.Kind.OVERDUE, Alert.Kind.ESCALATION


def clock(item) -> Deadline:
    return Deadline.objects.get(
        content_type=ContentType.objects.get_for_model(SupervisionItem), object_id=item.pk
    )


def test_setting_an_item_starts_its_deadline_labelled_with_the_title(item, staff):
    deadline = clock(item)
    assert (deadline.kind, deadline.label, deadline.outcome) == (
        Deadline.Kind.SUPERVISION_ITEM,
        TITLE,
        Deadline.Outcome.OPEN,
    )
    assert (deadline.started_at, deadline.warn_at, deadline.due_at) == (
        local(2026, 3, 2, 10),
        WARN,
        DUE,
    )
    assert (deadline.responsible, deadline.unit, deadline.application) == (
        staff["customer_manager"],
        item.unit,
        item.application,
    )
    assert (item.status, item.set_by, item.unit.name) == (
        "open",
        staff["supervisor"],
        "西湖供电服务中心",
    )
    # What meeting packs and the monthly summary ask: open 督办 items, by Deadline.
    assert list(
        Deadline.objects.filter(
            kind=Deadline.Kind.SUPERVISION_ITEM, outcome=Deadline.Outcome.OPEN
        ).values_list("label", flat=True)
    ) == [TITLE]


def test_the_sweep_warns_the_owner_then_alerts_and_escalates(item, staff, unit):
    leader = make_staff("leader", role=roles.SUPERVISOR, unit=unit, full_name="中心主任")
    unit.leader = leader
    unit.save()
    deadline = clock(item)

    for at, raised in [
        (WARN - SECOND, set()),
        (WARN, {(WARNING, 0)}),
        (DUE - SECOND, {(WARNING, 0)}),
        (DUE, {(WARNING, 0), (OVERDUE, 1)}),
        (LEVEL_2 - SECOND, {(WARNING, 0), (OVERDUE, 1)}),
        (LEVEL_2, {(WARNING, 0), (OVERDUE, 1), (ESCALATION, 2)}),
        (LEVEL_3, {(WARNING, 0), (OVERDUE, 1), (ESCALATION, 2), (ESCALATION, 3)}),
    ]:
        run_sweep(at)
        assert set(Alert.objects.filter(deadline=deadline).values_list("kind", "level")) == raised

    mine = Notification.objects.filter(alert__deadline=deadline)
    warning = mine.get(alert__kind=WARNING)
    assert warning.recipient == staff["customer_manager"]
    assert warning.title == f"时限预警：督办事项 {TITLE}"
    assert warning.body == (
        f"督办事项 {TITLE}（西湖供电服务中心）将于2026-03-07 00:00到期，请在到期前完成。"
    )
    assert {n.recipient for n in mine.filter(alert__kind=OVERDUE)} == {
        staff["customer_manager"],
        staff["supervisor"],
    }
    assert mine.get(alert__kind=ESCALATION, alert__level=2).recipient == leader


def test_closing_needs_a_result_and_finishes_the_deadline(item, staff):
    cm = staff["customer_manager"]
    with pytest.raises(TransitionRefused) as refused:
        items.close_item(item, cm, result="  ", at=local(2026, 3, 5, 16))
    assert refused.value.reasons == ["办结须填写办理结果。"]

    items.add_note(item, cm, text="已排查6户，2户表计到货延迟。", at=local(2026, 3, 4, 9))
    closed = items.close_item(item, cm, result="6户均已装表送电。", at=local(2026, 3, 5, 16))

    assert (closed.status, closed.result, closed.closed_by) == ("closed", "6户均已装表送电。", cm)
    deadline = clock(item)
    assert (deadline.outcome, deadline.stopped_at) == ("met", local(2026, 3, 5, 16))
    assert run_sweep(LEVEL_3).counts["raise_deadline_overdue"] == 0
    assert list(item.notes.values_list("text", flat=True)) == ["已排查6户，2户表计到货延迟。"]
    with pytest.raises(TransitionRefused) as refused:
        items.add_note(item, cm, text="补充", at=local(2026, 3, 6, 9))
    assert refused.value.reasons == ["督办事项已是“已办结”，不能填报进展。"]


def test_closing_after_the_due_is_breached(item, staff):
    items.close_item(item, staff["supervisor"], result="已整改。", at=local(2026, 3, 9, 11))
    assert clock(item).outcome == "breached"


def test_a_leader_re_times_an_item_and_the_sweep_judges_the_new_due(item, staff, unit):
    pm = staff["project_manager"]
    items.retime_item(
        item,
        staff["supervisor"],
        owner=pm,
        due_date=date(2026, 3, 13),
        reason="涉及配套工程，改由项目经理牵头",
        at=local(2026, 3, 5, 9),
    )
    deadline = clock(item)
    assert (deadline.responsible, deadline.due_at, deadline.warn_at) == (
        pm,
        local(2026, 3, 14),
        local(2026, 3, 13),
    )
    assert run_sweep(DUE).counts["raise_deadline_overdue"] == 0
    assert item.notes.get().text == (
        "调整：责任人客户经理甲→项目经理甲，办结期限2026-03-06→2026-03-13。"
        "原因：涉及配套工程，改由项目经理牵头"
    )


def test_voiding_needs_a_reason_and_cancels_the_deadline(item, staff):
    supervisor = staff["supervisor"]
    with pytest.raises(TransitionRefused) as refused:
        items.void_item(item, supervisor, reason="", at=local(2026, 3, 3, 9))
    assert refused.value.reasons == ["作废须说明原因。"]
    items.void_item(item, supervisor, reason="与督办事项2重复", at=local(2026, 3, 3, 9))
    item.refresh_from_db()
    assert (item.status, item.void_reason, item.voided_by) == (
        "void",
        "与督办事项2重复",
        supervisor,
    )
    deadline = clock(item)
    assert (deadline.outcome, deadline.cancel_reason) == ("cancelled", "已作废：与督办事项2重复")
    with pytest.raises(TransitionRefused) as refused:
        items.void_item(item, supervisor, reason="再次", at=local(2026, 3, 3, 10))
    assert refused.value.reasons == ["该督办事项已作废。"]


def test_items_and_notes_are_never_deleted(item, staff):
    note = items.add_note(item, staff["customer_manager"], text="进展", at=local(2026, 3, 3, 9))
    for attempt in (item.delete, SupervisionItem.objects.all().delete, note.delete):
        with pytest.raises(NeverDeleted):
            attempt()
    with pytest.raises(NeverDeleted):
        SupervisionItemNote.objects.all().delete()
    assert SupervisionItem.objects.count() == SupervisionItemNote.objects.count() == 1


def test_only_leaders_set_items(staff):
    for who in ("customer_manager", "inspector", "front_desk"):
        with pytest.raises(TransitionRefused) as refused:
            items.set_item(
                user=staff[who],
                title="问题",
                problem="描述",
                owner=staff["customer_manager"],
                due_date=date(2026, 3, 6),
                at=local(2026, 3, 2, 10),
            )
        assert refused.value.reasons == ["您没有“下达督办事项”的权限。"]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"title": " "}, "请填写督办事项。"),
        ({"due_date": date(2026, 3, 1)}, "办结期限不能早于下达日期（2026-03-02）。"),
    ],
)
def test_setting_refusals(staff, change, message):
    fields = {
        "user": staff["supervisor"],
        "title": "问题",
        "problem": "描述",
        "owner": staff["customer_manager"],
        "due_date": date(2026, 3, 6),
        "at": local(2026, 3, 2, 10),
        **change,
    }
    with pytest.raises(TransitionRefused) as refused:
        items.set_item(**fields)
    assert refused.value.reasons == [message]


def test_a_leader_sets_items_only_in_their_units(staff, yuhang):
    with pytest.raises(TransitionRefused) as refused:
        items.set_item(
            user=yuhang["supervisor"],
            title="问题",
            problem="描述",
            owner=staff["customer_manager"],
            due_date=date(2026, 3, 6),
            at=local(2026, 3, 2, 10),
        )
    assert refused.value.reasons == ["该记录属于西湖供电服务中心，您只能办理本单位的业务。"]


def test_only_the_owner_or_a_leader_reports_on_an_item(item, staff, yuhang):
    for who in (staff["front_desk"], yuhang["cm"], yuhang["supervisor"]):
        with pytest.raises(TransitionRefused) as refused:
            items.add_note(item, who, text="进展", at=local(2026, 3, 3, 9))
        assert refused.value.reasons == ["只有责任人客户经理甲或督办领导可以办理该督办事项。"]
    with pytest.raises(TransitionRefused) as refused:
        items.void_item(item, staff["customer_manager"], reason="不需要", at=local(2026, 3, 3, 9))
    assert refused.value.reasons == ["您没有“作废督办事项”的权限。"]


def test_the_deadline_panel_rows_of_an_item(item):
    rows = deadlines.deadlines_panel_rows(item, at=local(2026, 3, 6, 9))
    assert [(r["deadline"].label, r["status"]) for r in rows] == [(TITLE, "预警中")]
