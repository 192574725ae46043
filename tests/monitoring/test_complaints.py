"""Complaints (投诉) and reports (举报): the handling clock, the steps, who sees the reporter.

Dates counted by hand (2026): 1–7 Oct off for National Day, Sat 10 Oct a make-up workday.
Received Wed 30 Sep 10:00 with the 10-working-day default: Thu 8, Fri 9, Sat 10, Mon 12 … Fri 16,
Mon 19, Tue 20 Oct → due 24:00 Tue 20 Oct (stored Wed 21 Oct 00:00), warned from 00:00 Tue 20.
Overdue 2 working days (Wed 21, Thu 22) → level 2 at 00:00 Fri 23; 5 (… Mon 26, Tue 27) → level 3
at 00:00 Wed 28 Oct.
"""

import threading
from datetime import timedelta
from io import BytesIO

import pytest
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from applications import roles
from applications.demo import make_staff
from applications.services.errors import TransitionRefused
from monitoring import complaints, deadlines
from monitoring.models import Alert, Complaint, ComplaintPolicy, Deadline
from monitoring.sweep import run_sweep

from .sweeping import ESCALATION, OVERDUE, WARNING, local

RECEIVED = local(2026, 9, 30, 10)
WARN, DUE = local(2026, 10, 20), local(2026, 10, 21)
LEVEL_2, LEVEL_3 = local(2026, 10, 23), local(2026, 10, 28)
SECOND = timedelta(seconds=1)
REPORTER = {
    "reporter_name": "王举报",
    "reporter_phone": "13900001111",
    "reporter_contact": "微信 wjb",
}
STEPS = ["raise_deadline_warnings", "raise_deadline_overdue", "raise_deadline_escalations"]


@pytest.fixture
def app(make_app):
    return make_app("lv_business", at=local(2026, 9, 28, 9))


def receive(app, staff, **kwargs):
    fields = {
        "kind": Complaint.Kind.COMPLAINT,
        "channel": Complaint.Channel.HOTLINE_95598,
        "received_at": RECEIVED,
        "content": "客户经理三次上门都说资料不全，进度太慢",
        "category": Complaint.Category.PROGRESS,
        "application": app,
        "staff_concerned": staff["customer_manager"],
        **kwargs,
    }
    complaint, _created = complaints.receive_complaint(**fields)
    return complaint


@pytest.fixture
def complaint(app, staff):
    return receive(app, staff, external_ref="GD95598-001")


@pytest.fixture
def report(app, staff):
    return receive(
        app,
        staff,
        kind=Complaint.Kind.REPORT,
        channel=Complaint.Channel.CALL_OR_VISIT,
        content="客户经理暗示要指定施工单位",
        category=Complaint.Category.DESIGNATION,
        by=staff["inspector"],
        **REPORTER,
    )


def clock(complaint) -> Deadline:
    return deadlines.for_subject(complaint).get()


def refused(call, *args, **kwargs) -> list[str]:
    with pytest.raises(TransitionRefused) as refusal:
        call(*args, **kwargs)
    return refusal.value.reasons


# --- The handling clock -----------------------------------------------------------------------


def test_receipt_starts_a_ten_working_day_clock_across_national_day(complaint, app, staff):
    assert complaint.number == "TS202609300001"
    assert (complaint.status, complaint.unit, complaint.customer) == (
        Complaint.Status.RECEIVED,
        app.unit,
        app.customer,
    )
    deadline = clock(complaint)
    assert (deadline.kind, deadline.label, deadline.application) == (
        Deadline.Kind.COMPLAINT,
        "投诉 TS202609300001",
        app,
    )
    assert (deadline.started_at, deadline.warn_at, deadline.due_at) == (RECEIVED, WARN, DUE)
    assert (deadline.limit_value, deadline.limit_display()) == (10, "10个工作日")


def test_the_sweep_warns_alerts_and_escalates_once_each(complaint, staff):
    deadline = clock(complaint)
    complaints.assign(complaint, by=staff["supervisor"], handler=staff["customer_manager"])
    deadline.refresh_from_db()
    assert (deadline.responsible, deadline.due_at) == (staff["customer_manager"], DUE)

    def counts(at):
        result = run_sweep(at)
        return [result.counts[step] for step in STEPS]

    assert counts(WARN - SECOND) == [0, 0, 0]
    assert counts(WARN) == [1, 0, 0]
    assert counts(DUE) == [0, 1, 0]
    assert counts(DUE + SECOND) == [0, 0, 0]
    assert counts(LEVEL_2) == [0, 0, 1]
    assert counts(LEVEL_3) == [0, 0, 1]
    assert counts(LEVEL_3) == [0, 0, 0]
    raised = set(Alert.objects.filter(deadline=deadline).values_list("kind", "level"))
    assert raised == {(WARNING, 0), (OVERDUE, 1), (ESCALATION, 2), (ESCALATION, 3)}


def test_the_reply_limit_is_the_policy_in_force_at_receipt(app, staff):
    ComplaintPolicy.objects.filter(kind=Complaint.Kind.COMPLAINT).update(reply_working_days=5)
    complaint = receive(app, staff)
    # 5 working days: Thu 8, Fri 9, Sat 10, Mon 12, Tue 13 Oct → due 24:00 Tue 13 Oct.
    assert (complaint.reply_working_days, clock(complaint).due_at) == (5, local(2026, 10, 14))


@pytest.mark.parametrize(
    "replied_at, outcome",
    [
        (DUE, Deadline.Outcome.MET),  # 24:00 Tue 20 Oct: still on the due day
        (DUE + SECOND, Deadline.Outcome.BREACHED),
    ],
)
def test_a_reply_stops_the_clock_met_or_breached(complaint, staff, replied_at, outcome):
    complaints.assign(complaint, by=staff["supervisor"], handler=staff["customer_manager"])
    replied = complaints.reply(
        complaint, by=staff["customer_manager"], text="已上门致歉，资料一次性告知", at=replied_at
    )
    assert (replied.status, replied.replied_at) == (Complaint.Status.REPLIED, replied_at)
    assert (clock(complaint).outcome, clock(complaint).stopped_at) == (outcome, replied_at)

    closed = complaints.close(
        replied, by=staff["customer_manager"], feedback="fairly_satisfied", at=replied_at
    )
    assert (closed.status, closed.get_feedback_display()) == (Complaint.Status.CLOSED, "基本满意")


def test_withdrawal_cancels_the_clock_and_the_sweep_leaves_it_alone(complaint, staff):
    complaints.withdraw(
        complaint, by=staff["customer_manager"], reason="客户来电撤诉", at=RECEIVED + SECOND
    )
    deadline = clock(complaint)
    assert (deadline.outcome, deadline.cancel_reason) == (
        Deadline.Outcome.CANCELLED,
        "已撤回：客户来电撤诉",
    )
    assert run_sweep(LEVEL_3).counts["raise_deadline_overdue"] == 0


def test_the_same_external_reference_returns_the_same_record(complaint, app, staff):
    again, created = complaints.receive_complaint(
        kind=Complaint.Kind.COMPLAINT,
        channel=Complaint.Channel.HOTLINE_95598,
        received_at=RECEIVED + timedelta(hours=1),
        content="重复推送",
        application=app,
        external_ref=" GD95598-001 ",
    )
    assert (again.pk, created, again.content) == (complaint.pk, False, complaint.content)
    assert Complaint.objects.count() == 1
    assert Deadline.objects.filter(kind=Deadline.Kind.COMPLAINT).count() == 1
    # Another channel's number space is its own.
    other = receive(app, staff, channel=Complaint.Channel.APP, external_ref="GD95598-001")
    assert (other.number, Complaint.objects.count()) == ("TS202609300002", 2)


# --- Illegal steps ----------------------------------------------------------------------------


def test_illegal_receipts_are_refused_with_reasons(app, staff, other_unit):
    assert refused(
        complaints.receive_complaint,
        kind=Complaint.Kind.COMPLAINT,
        channel="fax",
        received_at=RECEIVED,
        content=" ",
        category=Complaint.Category.OTHER,
        unit=app.unit,
        reporter_name="张三",
    ) == [
        "未知的来源渠道：fax。",
        "请填写诉求内容。",
        "投诉须关联客户。",
        "只有举报登记举报人身份，投诉请关联客户。",
    ]
    assert refused(
        receive, app, staff, kind=Complaint.Kind.REPORT, by=staff["customer_manager"]
    ) == ["举报只能由纪检、主管受理登记。"]
    assert refused(receive, app, staff, by=staff["project_manager"]) == [
        "您没有登记投诉举报的权限。"
    ]
    assert refused(receive, app, staff, unit=other_unit, by=staff["front_desk"]) == [
        "余杭供电公司不是您的单位，不能为其登记。"
    ]
    assert Complaint.objects.count() == 0


def test_illegal_steps_are_refused_with_reasons(complaint, staff, other_unit):
    cm, supervisor = staff["customer_manager"], staff["supervisor"]
    assert refused(complaints.reply, complaint, by=cm, text="已处理", at=RECEIVED) == [
        "该投诉已是“待受理”，不能答复。",
        "请先分派承办人。",
    ]
    assert refused(complaints.assign, complaint, by=cm, handler=cm) == [
        "您没有“分派投诉举报”的权限。"
    ]
    stranger = make_staff(
        "cm_yuhang", role=roles.CUSTOMER_MANAGER, unit=other_unit, full_name="外单位"
    )
    assert refused(complaints.assign, complaint, by=supervisor, handler=stranger) == [
        "外单位不属于西湖供电服务中心。"
    ]
    complaints.assign(complaint, by=supervisor, handler=cm)
    assert refused(complaints.close, complaint, by=cm, feedback="satisfied", at=RECEIVED) == [
        "该投诉已是“处理中”，不能办结。"
    ]
    assert refused(complaints.reply, complaint, by=stranger, text="", at=RECEIVED - SECOND) == [
        "该投诉属于西湖供电服务中心，您只能办理本单位的业务。",
        "只有承办人客户经理甲或主管可以答复。",
        "请填写处理结果及答复内容。",
        "时间不能早于受理时间。",
    ]
    complaints.reply(complaint, by=cm, text="已处理", at=RECEIVED + SECOND)
    assert refused(complaints.close, complaint, by=cm, feedback="dissatisfied", at=DUE) == [
        "客户不满意时，请记录客户意见。"
    ]
    assert refused(complaints.withdraw, complaint, by=cm, reason="撤诉", at=DUE) == [
        "该投诉已是“已答复”，不能撤回。"
    ]


def test_a_report_is_handled_only_by_inspectors_and_supervisors(report, staff):
    assert refused(
        complaints.assign, report, by=staff["inspector"], handler=staff["customer_manager"]
    ) == ["举报只能交由纪检、主管承办。"]
    assert refused(
        complaints.withdraw, report, by=staff["customer_manager"], reason="x", at=DUE
    ) == ["举报只能由纪检、主管办理。"]
    assigned = complaints.assign(report, by=staff["inspector"], handler=staff["inspector"])
    assert assigned.status == Complaint.Status.HANDLING
    # A report's clock stays off the application's page.
    assert (clock(report).label, clock(report).application) == ("举报 JB202609300001", None)


# --- Who sees the reporter -------------------------------------------------------------------


def changelist(client, user, **params):
    client.force_login(user)
    return client.get(reverse("admin:monitoring_complaint_changelist"), params)


def change_page(client, user, complaint):
    client.force_login(user)
    return client.get(reverse("admin:monitoring_complaint_change", args=[complaint.pk]))


def export(client, user, complaint) -> list[tuple]:
    client.force_login(user)
    response = client.post(
        reverse("admin:monitoring_complaint_changelist"),
        {"action": "export_xlsx", "_selected_action": [complaint.pk]},
    )
    assert response.status_code == 200
    return list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))


def test_the_reporter_is_shown_to_the_inspector_only(client, report, staff):
    inspector, supervisor = staff["inspector"], staff["supervisor"]
    assert complaints.reporter_identity(report, inspector) == REPORTER
    assert complaints.reporter_identity(report, supervisor) is None

    assert "王举报" in changelist(client, inspector).text
    assert "王举报" in change_page(client, inspector, report).text
    assert changelist(client, inspector, q="13900001111").context["cl"].result_count == 1
    header, row = export(client, inspector, report)
    assert (header[-3:], row[-3:]) == (
        ("举报人姓名", "举报人电话", "举报人其他联系方式"),
        ("王举报", "13900001111", "微信 wjb"),
    )

    listed = changelist(client, supervisor)
    assert listed.context["cl"].result_count == 1
    assert "王举报" not in listed.text and "13900001111" not in listed.text
    page = change_page(client, supervisor, report)
    assert page.status_code == 200
    assert "王举报" not in page.text and "举报人" not in page.text
    assert changelist(client, supervisor, q="13900001111").context["cl"].result_count == 0
    header, row = export(client, supervisor, report)
    assert "举报人姓名" not in header and "王举报" not in row
    assert str(report) == "举报 JB202609300001"


def test_a_report_is_invisible_to_customer_managers(client, report, complaint, staff):
    cm = staff["customer_manager"]
    listed = changelist(client, cm)
    assert [c.number for c in listed.context["cl"].result_list] == ["TS202609300001"]
    assert change_page(client, cm, report).status_code == 302  # admin: "does not exist"
    assert "王举报" not in listed.text
    client.force_login(cm)
    deadline_list = client.get(reverse("admin:monitoring_deadline_changelist"))
    assert deadline_list.context["cl"].result_count == 1  # the complaint's clock only


def test_a_reports_alerts_are_listed_only_for_those_who_see_reports(client, report, staff):
    complaint = receive(report.application, staff)
    run_sweep(DUE)  # a warning and an overdue alert for each, plus the application's own
    reports_alerts = Alert.objects.filter(deadline=clock(report)).count()
    complaints_alerts = Alert.objects.filter(deadline=clock(complaint)).count()
    assert (reports_alerts, complaints_alerts) == (2, 2)
    everything = Alert.objects.count()
    assert everything > 4  # the application's stage clock is alerted too

    def listed(user):
        client.force_login(user)
        page = client.get(reverse("admin:monitoring_alert_changelist"))
        return page.context["cl"].result_count

    assert listed(staff["supervisor"]) == everything
    assert listed(staff["customer_manager"]) == everything - 2  # stage alerts stay listed


def test_the_admin_pages_call_the_services(client, complaint, staff):
    client.force_login(staff["supervisor"])
    url = reverse("admin:monitoring_complaint_action", args=[complaint.pk, "assign"])
    response = client.post(url, {"handler": staff["customer_manager"].pk})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.handler) == (
        Complaint.Status.HANDLING,
        staff["customer_manager"],
    )
    url = reverse("admin:monitoring_complaint_action", args=[complaint.pk, "close"])
    page = client.post(url, {"feedback": "satisfied", "at": "2026-10-01 10:00"})
    assert "无法办理：该投诉已是“处理中”，不能办结。" in page.text
    page = change_page(client, staff["supervisor"], complaint)
    assert "complaint-deadline" in page.text and "2026-10-21 00:00" in page.text


def test_staff_enter_a_complaint_on_the_receipt_page(client, app, staff):
    client.force_login(staff["front_desk"])
    url = reverse("admin:monitoring_complaint_add")
    form = client.get(url).context["form"]
    assert [value for value, _label in form.fields["kind"].choices] == ["complaint"]
    assert "reporter_name" not in form.fields
    data = {
        "kind": "complaint",
        "channel": "call_or_visit",
        "external_ref": "LF-7",
        "received_at": "2026-09-30 10:00",
        "category": "attitude",
        "content": "受理员态度差",
        "unit": app.unit.pk,
        "application": app.number,
    }
    assert client.post(url, data).status_code == 302
    complaint = Complaint.objects.get()
    assert (complaint.number, complaint.customer, complaint.created_by, complaint.content) == (
        "TS202609300001",
        app.customer,
        staff["front_desk"],
        "受理员态度差",
    )
    assert client.post(url, data).status_code == 302  # the same reference: no second record
    assert Complaint.objects.count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_pushes_of_one_work_order_make_one_record(unit, staff, make_app):
    app = make_app("lv_business", at=local(2026, 9, 28, 9))
    barrier = threading.Barrier(4)
    received, errors = [], []

    def push(content):
        try:
            barrier.wait(timeout=15)
            received.append(receive(app, staff, external_ref="GD95598-009", content=content))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=push, args=(f"第{n}次推送",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == [] and len(received) == 4
    assert {c.pk for c in received} == set(Complaint.objects.values_list("pk", flat=True))
    assert Complaint.objects.get().number == "TS202609300001"
    assert Deadline.objects.filter(kind=Deadline.Kind.COMPLAINT).count() == 1


# --- Counts -----------------------------------------------------------------------------------


def test_counts_per_staff_member_and_unit(app, staff, other_unit, make_app):
    cm = staff["customer_manager"]
    first = receive(app, staff)
    receive(app, staff, received_at=RECEIVED + timedelta(days=1))
    receive(app, staff, staff_concerned=None, received_at=RECEIVED + timedelta(days=2))
    receive(
        app,
        staff,
        kind=Complaint.Kind.REPORT,
        by=staff["inspector"],
        channel=Complaint.Channel.CALL_OR_VISIT,
    )
    withdrawn = receive(app, staff)
    complaints.withdraw(withdrawn, by=cm, reason="撤诉", at=RECEIVED + SECOND)
    complaints.assign(first, by=staff["supervisor"], handler=cm)
    complaints.reply(first, by=cm, text="已处理", at=DUE + SECOND)  # late
    receive(app, staff, received_at=local(2026, 11, 2))  # outside the period

    tally = complaints.counts([app.unit, other_unit], local(2026, 9, 1), local(2026, 11, 1))
    assert tally.units == {app.unit.pk: complaints.Tally(3, 1, 1, 1)}
    assert tally.staff == {cm.pk: complaints.Tally(2, 1, 1, 1)}
    assert complaints.counts([other_unit], local(2026, 9, 1), local(2026, 11, 1)).units == {}
