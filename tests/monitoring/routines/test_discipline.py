"""Hand-over to 纪检: a case or a complaint marked a discipline matter is 纪检's alone from then
on — lists, pages, dashboard counts, deadlines, alerts and the inbox of everyone else drop it."""

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from applications.services.errors import TransitionRefused
from monitoring import complaints, deadlines, inbox
from monitoring.models import Complaint, DisciplineHandover, Notification, SupervisionCase
from monitoring.models.supervision import NeverDeleted
from monitoring.routines import discipline
from monitoring.supervision import detection
from monitoring.sweep import run_sweep

from .conftest import local

MARCH = {"start": "2026-03-01", "end": "2026-03-31"}
REASON = "客户反映客户经理收取好处费，涉嫌违纪"


def case_list(client) -> list[int]:
    page = client.get(reverse("admin:monitoring_supervisioncase_changelist"))
    return [c.pk for c in page.context["cl"].result_list]


def complaint_list(client) -> list[str]:
    page = client.get(reverse("admin:monitoring_complaint_changelist"))
    return [c.number for c in page.context["cl"].result_list]


def about_deadlines(user):
    return inbox.inbox(user).filter(alert__deadline__isnull=False)


def supervision_block(client) -> dict[str, str]:
    report = client.get("/dashboard/", MARCH).context["report"]
    return {row[0].text(): row[1].text() for row in report.table("supervision").rows}


@pytest.fixture
def handed_case(case, staff):
    return discipline.hand_over_case(
        case, staff["supervisor"], reason=REASON, at=local(2026, 3, 3, 9)
    )


def test_a_hand_over_records_who_when_why_and_the_evidence(handed_case, case, staff):
    case.refresh_from_db()
    assert case.status == SupervisionCase.Status.HANDED_OVER
    assert (
        handed_case.case,
        handed_case.unit,
        handed_case.handed_over_by,
        handed_case.handed_over_at,
        handed_case.reason,
        handed_case.status,
    ) == (case, case.unit, staff["supervisor"], local(2026, 3, 3, 9), REASON, "pending")
    assert handed_case.evidence.startswith(case.evidence_text)
    with pytest.raises(NeverDeleted):
        handed_case.delete()


def test_a_handed_over_case_is_hidden_from_everyone_but_the_inspectors(
    client, handed_case, case, staff
):
    case_page = reverse("admin:monitoring_supervisioncase_change", args=[case.pk])
    for who in ("supervisor", "customer_manager", "front_desk"):
        client.force_login(staff[who])
        assert case_list(client) == []
        # The admin's answer to a record outside the queryset: back to the index, not the page.
        page = client.get(case_page)
        assert (page.status_code, page.url) == (302, reverse("admin:index"))
    client.force_login(staff["supervisor"])
    assert supervision_block(client)["统计期内发现线索"] == "0"
    app_page = client.get(
        reverse("admin:applications_application_change", args=[case.application_id])
    )
    assert case.evidence_text not in app_page.content.decode()

    client.force_login(staff["inspector"])
    assert case_list(client) == [case.pk]
    assert client.get(case_page).status_code == 200
    assert supervision_block(client)["统计期内发现线索"] == "1"
    queue = client.get(reverse("admin:monitoring_disciplinehandover_changelist"))
    assert [h.pk for h in queue.context["cl"].result_list] == [handed_case.pk]


def test_only_inspectors_have_the_queue(client, handed_case, staff):
    client.force_login(staff["supervisor"])
    url = reverse("admin:monitoring_disciplinehandover_changelist")
    assert client.get(url).status_code == 403
    page = reverse("admin:monitoring_disciplinehandover_change", args=[handed_case.pk])
    assert client.get(page).status_code == 403


def test_a_handed_over_case_leaves_the_inspectors_pipeline(handed_case, case, staff):
    with pytest.raises(TransitionRefused):
        detection.handle_case(case, staff["inspector"], confirm=True)
    with pytest.raises(TransitionRefused) as refused:
        discipline.hand_over_case(case, staff["inspector"], reason="再次", at=local(2026, 3, 4))
    assert refused.value.reasons == ["已移交纪检，不能重复移交。"]


@pytest.mark.parametrize(
    "who, reason, expected",
    [
        ("customer_manager", REASON, "您没有“移交纪检”的权限。"),
        ("front_desk", REASON, "您没有“移交纪检”的权限。"),
        ("supervisor", "  ", "请填写移交理由。"),
    ],
)
def test_hand_over_refusals(case, staff, who, reason, expected):
    with pytest.raises(TransitionRefused) as refused:
        discipline.hand_over_case(case, staff[who], reason=reason, at=local(2026, 3, 3, 9))
    assert refused.value.reasons == [expected]
    assert not DisciplineHandover.objects.exists()


def test_a_dismissed_case_is_not_handed_over(case, staff):
    detection.handle_case(case, staff["inspector"], confirm=False, reason="客户记错")
    with pytest.raises(TransitionRefused) as refused:
        discipline.hand_over_case(case, staff["supervisor"], reason=REASON)
    assert refused.value.reasons == ["线索是“已排除”，不能移交纪检。"]


def test_only_an_inspector_concludes(handed_case, staff):
    with pytest.raises(TransitionRefused) as refused:
        discipline.conclude(handed_case, staff["supervisor"], conclusion="已处理")
    assert refused.value.reasons == ["您没有“办结移交纪检事项”的权限。"]
    with pytest.raises(TransitionRefused) as refused:
        discipline.conclude(handed_case, staff["inspector"], conclusion=" ")
    assert refused.value.reasons == ["请填写处理结论。"]
    done = discipline.conclude(
        handed_case, staff["inspector"], conclusion="诫勉谈话", at=local(2026, 3, 10, 9)
    )
    assert (done.status, done.conclusion, done.concluded_by) == (
        "concluded",
        "诫勉谈话",
        staff["inspector"],
    )


# --- Complaints -------------------------------------------------------------------------------


@pytest.fixture
def complaint(make_app, staff):
    app = make_app("lv_business", at=local(2026, 3, 2, 9))
    complaint, _created = complaints.receive_complaint(
        kind=Complaint.Kind.COMPLAINT,
        channel=Complaint.Channel.HOTLINE_95598,
        received_at=local(2026, 3, 2, 10),
        content="客户经理索要好处费才给办",
        category=Complaint.Category.OFF_SYSTEM,
        application=app,
        staff_concerned=staff["customer_manager"],
    )
    return complaints.assign(complaint, by=staff["supervisor"], handler=staff["customer_manager"])


def test_a_handed_over_complaint_is_the_inspectors_alone(client, complaint, staff):
    cm, supervisor = staff["customer_manager"], staff["supervisor"]
    # Received Mon 2 Mar: 10 working days → due 24:00 Mon 16 Mar, warned from 00:00 Mon 16.
    run_sweep(local(2026, 3, 16, 8))
    # The application's own stage clocks alert the manager too; those stay.
    about_clocks = inbox.inbox(cm).filter(alert__deadline__isnull=True).count()
    assert [n.alert.deadline.label for n in about_deadlines(cm)] == [str(complaint)]
    assert inbox.unread_count(cm) == about_clocks + 1

    handover = discipline.hand_over_complaint(
        complaint, supervisor, reason=REASON, at=local(2026, 3, 16, 9)
    )

    assert handover.evidence == (
        f"投诉 {complaint.number}（线外流转、吃拿卡要）：客户经理索要好处费才给办\n"
        "被投诉人员：客户经理甲"
    )
    clock = deadlines.for_subject(complaint).get()
    assert (clock.outcome, clock.cancel_reason) == ("cancelled", "已移交纪检")
    # The notification row stays; the inbox no longer shows it.
    assert Notification.objects.filter(recipient=cm, alert__deadline__isnull=False).count() == 1
    assert (list(about_deadlines(cm)), inbox.unread_count(cm)) == ([], about_clocks)
    for user in (cm, supervisor):
        client.force_login(user)
        assert complaint_list(client) == []
        deadline_list = client.get(reverse("admin:monitoring_deadline_changelist"))
        assert list(deadline_list.context["cl"].result_list) == []
        alert_list = client.get(reverse("admin:monitoring_alert_changelist"))
        assert [a for a in alert_list.context["cl"].result_list if a.deadline_id] == []
    with pytest.raises(TransitionRefused) as refused:
        complaints.reply(complaint, by=cm, text="已处理", at=local(2026, 3, 16, 10))
    assert refused.value.reasons[0] == "该投诉已移交纪检，只能由纪检办理。"

    client.force_login(staff["inspector"])
    assert complaint_list(client) == [complaint.number]
    page = client.get(reverse("admin:monitoring_complaint_change", args=[complaint.pk]))
    assert page.status_code == 200
    assert [d.pk for d in deadlines.for_subject(complaint)] == [clock.pk]


def test_the_complaint_export_leaves_a_handed_over_complaint_out(client, complaint, staff):
    discipline.hand_over_complaint(complaint, staff["supervisor"], reason=REASON)
    client.force_login(staff["supervisor"])
    response = client.post(
        reverse("admin:monitoring_complaint_changelist"),
        {"action": "export_xlsx", "_selected_action": [complaint.pk]},
    )
    # The selection is re-read through the list's queryset: nothing of it is exported.
    rows = list(load_workbook(BytesIO(response.content)).active.values)
    assert rows[0][:2] == ("编号", "类型")
    assert len(rows) == 1


def test_the_hand_over_page(client, case, staff):
    url = reverse("admin:monitoring_disciplinehandover_case", args=[case.pk])
    client.force_login(staff["customer_manager"])
    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": REASON}).status_code == 403

    client.force_login(staff["supervisor"])
    case_page = client.get(reverse("admin:monitoring_supervisioncase_change", args=[case.pk]))
    assert url in case_page.content.decode()
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 200 and not DisciplineHandover.objects.exists()
    done = client.post(url, {"reason": REASON})
    assert done.url == reverse("admin:monitoring_supervisioncase_changelist")
    assert DisciplineHandover.objects.get().case == case
    # Now the supervisor cannot reach it, not even through the hand-over page.
    assert client.get(url).status_code == 404
