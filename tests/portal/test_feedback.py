"""Rating once after energization (and how it counts in the satisfaction rate), the 线外流转
report that opens a supervision case, and complaints with their handling clock."""

from datetime import timedelta

import pytest
from django.utils import timezone

from applications.services.errors import TransitionRefused
from applications.states import State
from monitoring.callbacks import record_outcome
from monitoring.dashboard import figures as F
from monitoring.dashboard.filters import Period
from monitoring.models import Callback, Complaint, Deadline, SupervisionCase
from portal.models import ServiceRating
from portal.services import access, feedback

from .conftest import PHONE


@pytest.fixture
def energized(make_online, walker):
    app = make_online(at=timezone.now() - timedelta(days=3))
    return walker.walk(app, until=State.ARCHIVE, start=app.accepted_at, gap=timedelta(hours=4))


def verified(client, app):
    response = client.post("/progress/", {"number": app.number, "phone": PHONE})
    assert response.status_code == 302


def this_month() -> Period:
    today = timezone.localdate()
    return Period(today.replace(day=1), today)


def test_rating_needs_energization(client, online_app):
    verified(client, online_app)
    page = client.get("/progress/").content.decode()
    assert "送电后才能评价服务。" in page and 'id="rating-form"' not in page
    response = client.post("/progress/rate/", {"score": "5", "comment": "好"})
    assert response.status_code == 400 and "送电后才能评价服务。" in response.content.decode()
    assert not ServiceRating.objects.exists()


def test_rating_once_after_energization(client, energized):
    verified(client, energized)
    assert 'id="rating-form"' in client.get("/progress/").content.decode()
    response = client.post("/progress/rate/", {"score": "4", "comment": "客户经理很专业"})
    assert response.status_code == 302
    rating = ServiceRating.objects.get()
    assert (rating.application, rating.score, rating.comment, rating.unit) == (
        energized, 4, "客户经理很专业", energized.unit
    )  # fmt: skip
    again = client.post("/progress/rate/", {"score": "1"})
    assert "每个工单只能评价一次" in again.content.decode()
    assert ServiceRating.objects.get().score == 4
    with pytest.raises(TransitionRefused):
        feedback.rate(energized, score=6)


def test_ratings_feed_the_satisfaction_rate_once_per_customer(energized, make_app, walker, staff):
    period = this_month()
    callbacks, ratings = Callback.objects.all(), ServiceRating.objects.all()
    assert F.satisfaction(callbacks, period, ratings) == (0, 0)
    feedback.rate(energized, score=5)
    assert F.satisfaction_parts(callbacks, period, ratings) == {
        "callbacks": (0, 0), "online": (1, 1)
    }  # fmt: skip

    # A second customer rates 2 online and is then reached by the satisfaction callback (3):
    # the callback's score is theirs; the online rating is not counted a second time.
    other = make_app("lv_resident", at=timezone.now() - timedelta(days=3))
    other = walker.walk(other, until=State.ARCHIVE, start=other.accepted_at, gap=timedelta(hours=4))
    feedback.rate(other, score=2)
    assert F.satisfaction(callbacks, period, ratings) == (2, 1)
    call = Callback.objects.get(application=other, kind=Callback.Kind.SATISFACTION)
    record_outcome(
        callback=call,
        user=staff["supervisor"],
        reached=True,
        at=timezone.now(),
        customer_confirmed_applied=True,
        customer_reported_step="energized",
        satisfaction=3,
    )
    assert F.satisfaction_parts(callbacks, period, ratings) == {
        "callbacks": (1, 0), "online": (1, 1)
    }  # fmt: skip
    assert F.satisfaction(callbacks, period, ratings) == (2, 1)
    # Without ratings (any caller of the old signature) only the callbacks count.
    assert F.satisfaction(callbacks, period) == (1, 0)


def test_the_dashboard_shows_both_sources_and_their_total(client, energized, staff):
    feedback.rate(energized, score=5)
    client.force_login(staff["supervisor"])
    today = timezone.localdate()
    report = client.get(
        "/dashboard/", {"start": today.replace(day=1).isoformat(), "end": today.isoformat()}
    ).context["report"]
    rows = [[c.text() for c in row] for row in report.table("satisfaction").rows]
    assert rows[1] == ["客户网页评价", "1", "1", "100.0%"]
    assert rows[2][0] == "合计" and rows[2][1:3] == [str(int(rows[0][1]) + 1),
                                                    str(int(rows[0][2]) + 1)]  # fmt: skip


def test_an_off_record_report_opens_a_supervision_case_with_the_customers_words(client, online_app):
    verified(client, online_app)
    words = "客户经理让我先把材料交到他个人微信，还说交两千元可以加快"
    response = client.post("/progress/report/", {"words": words})
    assert response.status_code == 302
    case = SupervisionCase.objects.get()
    assert (case.rule.code, case.source, case.application, case.status) == (
        "customer_report", "customer_report", online_app, "open"
    )  # fmt: skip
    assert case.unit == online_app.unit and case.responsible == online_app.customer_manager
    assert case.evidence["customer_words"] == words and words in case.evidence_text
    assert case.evidence["channel"] == "customer_page"
    # A second report is a second case (each report is its own evidence).
    client.post("/progress/report/", {"words": "又被要求线下交材料"})
    assert SupervisionCase.objects.count() == 2


def test_reports_and_complaints_are_throttled(client, online_app, settings):
    settings.YEKUO_PORTAL_MESSAGES_PER_APPLICATION = 1
    verified(client, online_app)
    assert client.post("/progress/report/", {"words": "一"}).status_code == 302
    assert client.post("/progress/report/", {"words": "二"}).status_code == 429
    assert SupervisionCase.objects.count() == 1


def test_a_complaint_from_the_page_has_its_handling_clock(client, online_app):
    verified(client, online_app)
    response = client.post(
        "/progress/complaint/",
        {"kind": "complaint", "category": "progress", "content": "勘查一直没人来"},
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert (complaint.channel, complaint.kind, complaint.application, complaint.customer) == (
        "customer_page", "complaint", online_app, online_app.customer
    )  # fmt: skip
    clock = complaint.handling_deadlines.get()
    assert clock.kind == Deadline.Kind.COMPLAINT and clock.outcome == "open"
    assert clock.due_at > complaint.received_at and complaint.reply_working_days == 10
    page = client.get("/progress/").content.decode()
    assert complaint.number in page and "10个工作日内答复" in page


def test_a_confidential_report_keeps_the_reporter_for_inspectors_only(client, online_app, staff):
    from monitoring.complaints import reporter_identity

    verified(client, online_app)
    client.post(
        "/progress/complaint/",
        {
            "kind": "report",
            "category": "off_system",
            "content": "有人收取好处费",
            "reporter_name": "知情人",
            "reporter_phone": "13500000000",
        },
    )
    report = Complaint.objects.get()
    assert report.kind == "report" and report.channel == "customer_page"
    assert report.handling_deadlines.get().outcome == "open"
    # The application would name the reporter: only the unit is on the record, the number
    # goes with the reporter's identity, for 纪检 alone.
    assert (report.application, report.customer, report.unit) == (None, None, online_app.unit)
    assert reporter_identity(report, staff["supervisor"]) is None
    identity = reporter_identity(report, staff["inspector"])
    assert identity["reporter_name"] == "知情人"
    assert online_app.number in identity["reporter_contact"]


def test_grants_do_not_survive_into_another_browser(client, online_app):
    from django.test import Client

    verified(client, online_app)
    assert access.SESSION_KEY in client.session and access.SESSION_KEY not in Client().session
    assert 'id="lookup-form"' in Client().get("/progress/").content.decode()
