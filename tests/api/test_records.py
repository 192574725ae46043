"""Records other systems send: first contact, metering, dispatch's decision, 95598 complaint.
Each: the happy path, then a refusal with the admin's zh-hans message and nothing written."""

from datetime import date, timedelta

from django.utils import timezone

from applications.models import MeteringRecord
from monitoring.models import Complaint, CustomerContact, Deadline
from projects.models import OutagePlan
from projects.services import outages
from tests.projects.test_outages import _window

from .conftest import calling


def test_first_contact_of_a_95598_call(hotline, make_app):
    app = make_app()
    at = timezone.now() - timedelta(days=5)
    body = {
        "channel": "95598",
        "contacted_at": at.isoformat(),
        "application": app.number,
        "reference": "GD2026000123",
        "note": "客户来电咨询新装",
    }
    created = hotline.post("/api/v1/contacts/", body, format="json")
    again = hotline.post("/api/v1/contacts/", body, format="json")

    assert (created.status_code, again.status_code) == (201, 200)
    contact = CustomerContact.objects.get()
    assert (contact.application, contact.customer, contact.unit) == (app, app.customer, app.unit)
    assert contact.recorded_by.username == "api_95598"
    assert contact.contacted_at == at
    assert again.json()["id"] == contact.pk


def test_a_contact_needs_an_application_or_customer(hotline):
    body = {"channel": "app", "contacted_at": timezone.now().isoformat(), "reference": "X1"}
    response = hotline.post("/api/v1/contacts/", body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == ["接触记录须关联业扩申请或客户。"]
    assert not CustomerContact.objects.exists()


def test_a_contact_for_an_unknown_application_is_refused(hotline):
    body = {
        "channel": "app",
        "contacted_at": timezone.now().isoformat(),
        "application": "NOPE",
        "reference": "X2",
    }
    response = hotline.post("/api/v1/contacts/", body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        "工单编号：工单编号NOPE不存在，或不属于本系统可办理的单位。"
    ]


def test_metering_record_created_updated_unchanged(hotline, make_app):
    app = make_app()
    url = "/api/v1/metering-records/"
    day = timezone.localdate() - timedelta(days=2)
    body = {"application": app.number, "meter_number": "3300001234", "installed_on": str(day)}

    results = [hotline.post(url, body, format="json").json()["result"]]
    results.append(hotline.post(url, body, format="json").json()["result"])
    body["installed_on"] = str(day - timedelta(days=1))
    results.append(hotline.post(url, body, format="json").json()["result"])

    assert results == ["created", "unchanged", "updated"]
    record = MeteringRecord.objects.get()
    assert (record.application, record.installed_on) == (app, day - timedelta(days=1))
    assert record.source == MeteringRecord.Source.METERING  # what the 线外流转 rule reads


def test_a_meter_installed_in_the_future_is_refused(hotline, make_app):
    body = {
        "application": make_app().number,
        "meter_number": "3300001234",
        "installed_on": str(date.today() + timedelta(days=3)),
    }
    response = hotline.post("/api/v1/metering-records/", body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == ["装表日期：日期晚于当前时间。"]
    assert not MeteringRecord.objects.exists()


def submitted_plan(make_project, staff):
    start, end = _window()
    plan = outages.save_draft(
        user=staff["project_manager"],
        plan=OutagePlan(
            project=make_project(),
            kind=OutagePlan.Kind.WEEKLY,
            description="10kV 西湖线 12 号杆 T 接",
            requested_start=start,
            requested_end=end,
        ),
    )
    return outages.submit(user=staff["project_manager"], plan=plan)


def test_dispatch_approves_an_outage_plan(dispatch_api, make_project, staff):
    plan = submitted_plan(make_project, staff)
    url = f"/api/v1/outage-plans/{plan.pk}/decision/"

    response = dispatch_api.post(url, {"decision": "approve"}, format="json")
    again = dispatch_api.post(url, {"decision": "approve"}, format="json")

    assert response.status_code == 200, response.json()
    plan.refresh_from_db()
    assert plan.status == OutagePlan.Status.APPROVED
    assert (plan.approved_start, plan.approved_end) == (plan.requested_start, plan.requested_end)
    assert plan.decided_by.username == "api_dispatch"
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"


def test_a_rejection_needs_a_reason_and_changes_nothing(dispatch_api, make_project, staff):
    plan = submitted_plan(make_project, staff)

    response = dispatch_api.post(
        f"/api/v1/outage-plans/{plan.pk}/decision/", {"decision": "reject"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == ["驳回停电计划须说明原因。"]
    plan.refresh_from_db()
    assert plan.status == OutagePlan.Status.SUBMITTED


def test_only_a_dispatch_account_may_decide(hotline, make_project, staff):
    plan = submitted_plan(make_project, staff)

    response = hotline.post(
        f"/api/v1/outage-plans/{plan.pk}/decision/", {"decision": "approve"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["message"].startswith("无法办理：")
    plan.refresh_from_db()
    assert plan.status == OutagePlan.Status.SUBMITTED


def test_a_95598_complaint_starts_its_clock_once(hotline, make_app):
    app = make_app()
    body = {
        "external_ref": "TS95598-0001",
        "received_at": timezone.now().isoformat(),
        "content": "客户经理让我找指定的施工队",
        "category": "designation",
        "application": app.number,
    }
    created = hotline.post("/api/v1/complaints/", body, format="json")
    again = hotline.post("/api/v1/complaints/", body, format="json")

    assert (created.status_code, again.status_code) == (201, 200), created.json()
    complaint = Complaint.objects.get()
    assert complaint.channel == Complaint.Channel.HOTLINE_95598
    assert (complaint.customer, complaint.unit) == (app.customer, app.unit)
    assert created.json()["number"] == again.json()["number"] == complaint.number
    clock = Deadline.objects.get(kind=Deadline.Kind.COMPLAINT)
    assert created.json()["due_at"] is not None and clock.due_at is not None


def test_a_complaint_without_content_is_refused(hotline, make_app):
    body = {
        "external_ref": "TS95598-0002",
        "received_at": timezone.now().isoformat(),
        "content": "   ",
        "application": make_app().number,
    }
    response = hotline.post("/api/v1/complaints/", body, format="json")

    assert response.status_code == 400
    assert "诉求内容" in response.json()["message"]
    assert not Complaint.objects.exists()


def test_each_record_endpoint_needs_its_scope(make_system, make_app):
    _client, raw = make_system(scopes=[])
    api = calling(raw)

    for url in ("/api/v1/contacts/", "/api/v1/metering-records/", "/api/v1/complaints/"):
        assert api.post(url, {}, format="json").status_code == 403
