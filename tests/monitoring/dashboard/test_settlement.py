"""The dashboard's charges block (收费与结清时长) and complaints per unit and staff member.

Charges are issued and paid through the services at chosen instants, so each figure below is
worked out by hand from the list in `charges_world`.
"""

from datetime import timedelta

import pytest
from django.urls import reverse

from applications.models import Unit
from applications.services.charges import (
    cancel_charge,
    issue_charge,
    record_payment,
    settlement_hours,
)
from monitoring import complaints
from monitoring.dashboard.filters import Period
from monitoring.dashboard.settlement import scoped_charges, settlement_figures, settlement_total
from monitoring.models import Complaint

from .conftest import MARCH, filters, local, make_app

MARCH_QUERY = {"start": "2026-03-01", "end": "2026-03-31"}


def _issue(app, user, issued, amount=100):
    return issue_charge(
        application=app,
        user=user,
        kind="metering",
        amount=amount,
        explanation="计量装置费，按核定标准收取。",
        at=issued,
    )


def _pay(charge, paid, reference):
    return record_payment(
        charge=charge,
        paid_at=paid,
        source="marketing",
        reference=reference,
        amount=charge.amount,
        system="营销系统",
        at=paid + timedelta(minutes=1),
    ).charge


@pytest.fixture
def charges_world(units, people):
    """西湖 (cm_xihu):
    A issued 03-02 09:00, paid 11:00 (2 h); B issued 03-10 09:00, paid 15:00 (6 h);
    C issued 02-27 10:00, paid 03-01 16:00 (54 h: paid in March, issued in February);
    D issued 03-20, unpaid (500 元); E issued 03-21, cancelled; F issued 03-05 to a 三零 firm
    (waived at once); G issued 03-25 09:00, paid 04-01 09:00 (paid after March).
    余杭 (cm_yuhang): H issued 03-03 09:00, paid 10:00 (1 h); I issued 03-04, unpaid (300 元).
    """
    cm, cm_y = people["cm_xihu"], people["cm_yuhang"]
    xihu = make_app(units["xihu"], manager=cm)
    firm = make_app(units["xihu"], manager=cm, small_micro=True)
    yuhang = make_app(units["yuhang"], manager=cm_y)
    made = {
        "A": _pay(_issue(xihu, cm, local(2026, 3, 2, 9)), local(2026, 3, 2, 11), "A"),
        "B": _pay(_issue(xihu, cm, local(2026, 3, 10, 9)), local(2026, 3, 10, 15), "B"),
        "C": _pay(_issue(xihu, cm, local(2026, 2, 27, 10)), local(2026, 3, 1, 16), "C"),
        "D": _issue(xihu, cm, local(2026, 3, 20, 9), amount=500),
        "E": _issue(xihu, cm, local(2026, 3, 21, 9)),
        "F": _issue(firm, cm, local(2026, 3, 5, 9)),
        "G": _pay(_issue(xihu, cm, local(2026, 3, 25, 9)), local(2026, 4, 1, 9), "G"),
        "H": _pay(_issue(yuhang, cm_y, local(2026, 3, 3, 9)), local(2026, 3, 3, 10), "H"),
        "I": _issue(yuhang, cm_y, local(2026, 3, 4, 9), amount=300),
    }
    cancel_charge(charge=made["E"], user=cm, reason="重复开具", at=local(2026, 3, 21, 10))
    return made


def test_settlement_hours_of_a_charge_are_calendar_hours(charges_world):
    assert settlement_hours(charges_world["C"]) == 54.0
    assert settlement_hours(charges_world["D"]) is None


def test_figures_per_unit_are_the_hand_counted_ones(people, units, charges_world):
    by_unit = settlement_figures(scoped_charges(people["supervisor"], filters()), MARCH)
    xihu, yuhang = by_unit[units["xihu"].pk], by_unit[units["yuhang"].pk]
    assert (xihu.issued, xihu.waived, xihu.paid) == (5, 1, 3)  # A B D F G; F; A B C
    assert xihu.median_hours == 6.0
    assert xihu.mean_hours == pytest.approx((2 + 6 + 54) / 3)
    assert (xihu.unpaid_now, str(xihu.unpaid_amount)) == (1, "500.00")
    assert (yuhang.issued, yuhang.paid, yuhang.median_hours, yuhang.unpaid_now) == (2, 1, 1.0, 1)
    total = settlement_total(by_unit)
    assert (total.issued, total.waived, total.paid) == (7, 1, 4)
    assert total.median_hours == 4.0  # 1, 2, 6, 54: halfway between 2 and 6
    assert total.mean_hours == pytest.approx(63 / 4)
    assert (total.unpaid_now, str(total.unpaid_amount)) == (2, "800.00")


def test_filters_narrow_the_figures(people, units, charges_world):
    only_xihu = settlement_figures(
        scoped_charges(people["supervisor"], filters(unit=units["xihu"])), MARCH
    )
    assert list(only_xihu) == [units["xihu"].pk]
    not_small = settlement_figures(
        scoped_charges(people["supervisor"], filters(small_micro=False)), MARCH
    )
    assert (not_small[units["xihu"].pk].issued, not_small[units["xihu"].pk].waived) == (4, 0)
    april_period = Period(local(2026, 4, 1).date(), local(2026, 4, 30).date())
    april = settlement_figures(
        scoped_charges(people["supervisor"], filters(period=april_period)), april_period
    )
    assert april[units["xihu"].pk].paid == 1 and april[units["xihu"].pk].median_hours == 7 * 24


def _row(report, key, label):
    return next(r for r in report.table(key).rows if r[0].text() == label)


def test_dashboard_shows_the_block_and_each_count_links_to_its_charges(
    client, people, charges_world
):
    client.force_login(people["supervisor"])
    report = client.get("/dashboard/", MARCH_QUERY).context["report"]
    total = [c.text() for c in _row(report, "settlement", "合计")]
    assert total == ["合计", "7", "1", "4", "4.00", "15.75", "2", "800.00"]
    xihu = [c.text() for c in _row(report, "settlement", "西湖供电服务中心")]
    assert xihu == ["西湖供电服务中心", "5", "1", "3", "6.00", "20.67", "1", "500.00"]
    for row in report.table("settlement").rows:
        for cell in row:
            if cell.kind == "count":
                listed = client.get(cell.url)
                assert listed.status_code == 200, cell.url
                assert listed.context["cl"].result_count == cell.value, cell.url


def test_a_unit_user_counts_only_their_unit(client, people, charges_world):
    client.force_login(people["cm_yuhang"])
    report = client.get("/dashboard/", MARCH_QUERY).context["report"]
    labels = [row[0].text() for row in report.table("settlement").rows]
    assert labels == ["余杭供电服务中心", "合计"]
    assert [c.text() for c in report.table("settlement").rows[-1]][1:4] == ["2", "0", "1"]


# --- Complaints per unit and staff member ------------------------------------------------------


def _complain(app, staff, received, kind=Complaint.Kind.COMPLAINT):
    complaint, _created = complaints.receive_complaint(
        kind=kind,
        channel=Complaint.Channel.HOTLINE_95598,
        received_at=received,
        content="办电进度慢",
        application=app,
        staff_concerned=staff,
    )
    return complaint


@pytest.fixture
def complaints_world(units, people):
    cm, cm_y = people["cm_xihu"], people["cm_yuhang"]
    xihu = make_app(units["xihu"], manager=cm)
    yuhang = make_app(units["yuhang"], manager=cm_y)
    _complain(xihu, cm, local(2026, 3, 3, 10))
    _complain(xihu, cm, local(2026, 3, 9, 10))
    _complain(xihu, None, local(2026, 3, 10, 10))  # about the unit, no one named
    _complain(xihu, cm, local(2026, 3, 11, 10), kind=Complaint.Kind.REPORT)
    _complain(yuhang, cm_y, local(2026, 3, 12, 10))
    _complain(yuhang, cm_y, local(2026, 4, 2, 10))  # after March


def test_complaints_per_unit_and_staff_on_the_dashboard(client, people, complaints_world):
    client.force_login(people["supervisor"])  # 主管 sees 举报 too
    report = client.get("/dashboard/", MARCH_QUERY).context["report"]
    rows = report.table("complaints_units").rows
    units = {row[0].text(): [c.text() for c in row[1:]] for row in rows}
    # 投诉 举报 撤回 超期答复
    assert units == {
        "西湖供电服务中心": ["3", "1", "0", "0"],
        "余杭供电服务中心": ["1", "0", "0", "0"],
        "合计": ["4", "1", "0", "0"],
    }  # fmt: skip
    staff = [[c.text() for c in row] for row in report.table("complaints_staff").rows]
    assert staff == [
        ["西湖经理（cm_xihu）", "西湖供电服务中心", "2", "1", "0", "0"],
        ["余杭经理（cm_yuhang）", "余杭供电服务中心", "1", "0", "0", "0"],
        ["合计", "", "3", "1", "0", "0"],
    ]
    for key in ("complaints_units", "complaints_staff"):
        for row in report.table(key).rows:
            for cell in row:
                if cell.kind == "count" and cell.url:
                    listed = client.get(cell.url)
                    assert listed.context["cl"].result_count == cell.value, (key, cell.url)


def test_reports_are_not_counted_for_those_who_may_not_see_them(client, people, complaints_world):
    client.force_login(people["cm_xihu"])
    report = client.get("/dashboard/", MARCH_QUERY).context["report"]
    table = report.table("complaints_units")
    assert "举报（件）" not in table.columns
    assert [c.text() for c in table.rows[-1]] == ["合计", "3", "0", "0"]  # 西湖 only, no 举报


def test_the_admin_charge_list_filters_the_dashboard_uses(client, people, charges_world):
    client.force_login(people["supervisor"])
    url = reverse("admin:applications_charge_changelist")
    listed = client.get(url, {"status__exact": "issued"})
    assert listed.context["cl"].result_count == 2


def test_assessment_totals_show_complaints_per_person_and_month(client, people, complaints_world):
    tallies = complaints.monthly_tallies(
        Unit.objects.all(), local(2026, 3, 1).date(), local(2026, 4, 30).date()
    )
    per_person = [(f"{r.period:%Y-%m}", r.staff, r.tally.complaints, r.tally.reports)
                  for r in tallies["per_person"]]  # fmt: skip
    assert per_person == [
        ("2026-03", "余杭经理（cm_yuhang）", 1, 0),
        ("2026-03", "西湖经理（cm_xihu）", 2, 1),
        ("2026-04", "余杭经理（cm_yuhang）", 1, 0),
    ]
    assert [(f"{r.period:%Y-%m}", r.unit, r.tally.complaints) for r in tallies["per_unit"]] == [
        ("2026-03", "余杭供电服务中心", 1),
        ("2026-03", "西湖供电服务中心", 3),
        ("2026-04", "余杭供电服务中心", 1),
    ]
    client.force_login(people["supervisor"])
    page = client.get(
        reverse("admin:monitoring_assessment_totals"), {"start": "2026-03", "end": "2026-04"}
    ).content.decode()
    assert 'id="complaints-per-person"' in page and "西湖经理（cm_xihu）" in page


def test_the_assessment_totals_workbook_carries_the_complaints_sheet(
    client, people, complaints_world
):
    from io import BytesIO

    from openpyxl import load_workbook

    url = reverse("admin:monitoring_assessment_totals")
    query = {"start": "2026-03", "end": "2026-03", "format": "xlsx"}

    def complaints_sheet(user):
        client.force_login(user)
        book = load_workbook(BytesIO(client.get(url, query).content))
        assert book.sheetnames == ["考核汇总", "投诉举报"]
        return list(book["投诉举报"].iter_rows(values_only=True))

    # 主管 sees the 举报 column, as on the page.
    assert complaints_sheet(people["supervisor"]) == [
        ("月份", "单位", "人员", "投诉（件）", "举报（件）", "超期答复（件）"),
        ("2026-03", "余杭供电服务中心", "（单位合计）", 1, 0, 0),
        ("2026-03", "西湖供电服务中心", "（单位合计）", 3, 1, 0),
        ("2026-03", "余杭供电服务中心", "余杭经理（cm_yuhang）", 1, 0, 0),
        ("2026-03", "西湖供电服务中心", "西湖经理（cm_xihu）", 2, 1, 0),
    ]
    # Someone unit-scoped who may read the totals but not 举报 (a customer manager granted
    # the totals): their unit only, and no 举报 column or count.
    from django.contrib.auth.models import Permission

    reader = people["cm_xihu"]
    reader.user_permissions.add(Permission.objects.get(codename="view_assessment"))
    reader = type(reader).objects.get(pk=reader.pk)  # fresh permission cache
    assert complaints_sheet(reader) == [
        ("月份", "单位", "人员", "投诉（件）", "超期答复（件）"),
        ("2026-03", "西湖供电服务中心", "（单位合计）", 3, 0),
        ("2026-03", "西湖供电服务中心", "西湖经理（cm_xihu）", 2, 0),
    ]
