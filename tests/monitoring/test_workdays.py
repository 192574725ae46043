"""The working-day calendar: official days, 调休, company overrides, uncovered years, due instants.

Expected dates are written out by hand from the State Council arrangements as shipped in
chinesecalendar 1.11.0. For 2026:
- Spring Festival: 15–23 Feb off, Sat 14 Feb and Sat 28 Feb are make-up workdays.
- Mid-autumn: Fri 25 – Sun 27 Sep off; Sun 20 Sep is a make-up workday.
- National Day: Thu 1 – Wed 7 Oct off; Sat 10 Oct is a make-up workday (Sun 11 Oct is off).
"""

import logging
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.utils import timezone

from monitoring import workdays
from monitoring.models import CalendarOverride, CalendarYear
from monitoring.workdays import (
    add_working_days,
    coverage_warnings,
    due_at,
    due_at_hours,
    is_workday,
    is_year_covered,
    materialize,
    subtract_working_days,
    uncovered_years,
    workday_ordinal,
    working_days_between,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")

pytestmark = pytest.mark.django_db


def test_spring_festival_example_from_the_clock_rules():
    # Thu 12 Feb: Fri 13 is 1, Sat 14 (调休) is 2, 15–23 off, Tue 24 is 3.
    assert add_working_days(date(2026, 2, 12), 1) == date(2026, 2, 13)
    assert add_working_days(date(2026, 2, 12), 2) == date(2026, 2, 14)
    assert add_working_days(date(2026, 2, 12), 3) == date(2026, 2, 24)
    assert working_days_between(date(2026, 2, 12), date(2026, 2, 24)) == 3


def test_make_up_saturday_is_a_working_day():
    assert is_workday(date(2026, 2, 14))
    assert not is_workday(date(2026, 2, 21))  # an ordinary Saturday inside the holiday
    # Fri 27 Feb + 1: the make-up Saturday 28 Feb, not Monday 2 Mar.
    assert add_working_days(date(2026, 2, 27), 1) == date(2026, 2, 28)
    assert working_days_between(date(2026, 2, 27), date(2026, 3, 2)) == 2


def test_national_day_2026():
    # Wed 30 Sep + 3: 1–7 Oct off, Thu 8 (1), Fri 9 (2), Sat 10 make-up workday (3).
    assert add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    # + 4: Sun 11 Oct is off, so Mon 12 Oct.
    assert add_working_days(date(2026, 9, 30), 4) == date(2026, 10, 12)
    # Thu 24 Sep + 1: Mid-autumn 25–27 Sep off, Mon 28 Sep.
    assert add_working_days(date(2026, 9, 24), 1) == date(2026, 9, 28)
    # Working days after 30 Sep up to 12 Oct: 8, 9, 10, 12 Oct.
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 12)) == 4
    assert working_days_between(date(2026, 10, 1), date(2026, 10, 7)) == 0
    assert working_days_between(date(2026, 10, 7), date(2026, 10, 8)) == 1


def test_start_day_on_a_holiday_or_weekend_is_not_counted():
    # Accepted on Sat 3 Oct (holiday): the first working day after it, Thu 8 Oct, is day 1.
    assert add_working_days(date(2026, 10, 3), 1) == date(2026, 10, 8)
    # Accepted on Sun 1 Mar: Mon 2 Mar is day 1, Tue 3 Mar day 2.
    assert add_working_days(date(2026, 3, 1), 2) == date(2026, 3, 3)
    # Accepted on Sat 14 Feb, itself a make-up workday: still not counted; Tue 24 is day 1.
    assert add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)


def test_zero_days_returns_the_start_day():
    assert add_working_days(date(2026, 10, 3), 0) == date(2026, 10, 3)
    assert add_working_days(date(2026, 3, 2), 0) == date(2026, 3, 2)
    assert subtract_working_days(date(2026, 10, 3), 0) == date(2026, 10, 3)


def test_working_days_between_edges():
    assert working_days_between(date(2026, 3, 2), date(2026, 3, 2)) == 0
    assert working_days_between(date(2026, 2, 24), date(2026, 2, 12)) == 0
    # A holiday end counts up to the working day before it: 13 and 14 Feb.
    assert working_days_between(date(2026, 2, 12), date(2026, 2, 20)) == 2
    # Across New Year 2026: Wed 31 Dec 2025 → Mon 5 Jan 2026 = Sun 4 Jan (调休) and Mon 5 Jan.
    assert working_days_between(date(2025, 12, 31), date(2026, 1, 5)) == 2


def test_subtract_working_days_for_the_warning_day():
    # Due Tue 24 Feb: one working day before is the make-up Saturday 14 Feb.
    assert subtract_working_days(date(2026, 2, 24), 1) == date(2026, 2, 14)
    # Due Thu 8 Oct: one working day before is Wed 30 Sep.
    assert subtract_working_days(date(2026, 10, 8), 1) == date(2026, 9, 30)
    # From a holiday, Sun 4 Oct: Wed 30 Sep is the one working day after Tue 29 Sep.
    assert subtract_working_days(date(2026, 10, 4), 1) == date(2026, 9, 29)
    # Across the year: Mon 5 Jan 2026 − 2 = Wed 31 Dec 2025 (Sun 4 Jan is a make-up workday).
    assert subtract_working_days(date(2026, 1, 5), 2) == date(2025, 12, 31)


def test_workday_ordinal_and_materialize():
    base = workday_ordinal(date(2026, 2, 13))
    assert workday_ordinal(date(2026, 2, 14)) == base + 1
    assert workday_ordinal(date(2026, 2, 23)) == base + 1  # holiday keeps the previous ordinal
    assert workday_ordinal(date(2026, 2, 24)) == base + 2
    assert materialize(date(2026, 2, 13), date(2026, 2, 16)) == [
        (date(2026, 2, 13), True, base),
        (date(2026, 2, 14), True, base + 1),
        (date(2026, 2, 15), False, base + 1),
        (date(2026, 2, 16), False, base + 1),
    ]


def test_every_covered_day_agrees_with_the_package():
    # The cache reads the package's tables directly; its public is_workday() is the reference.
    day = date(workdays.PACKAGE_FIRST_YEAR, 1, 1)
    while day.year <= workdays.PACKAGE_LAST_YEAR:
        assert is_workday(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_counting_agrees_with_a_day_by_day_walk_over_many_years():
    def walk(start, n):
        day = start
        while n:
            day += timedelta(days=1)
            n -= chinese_calendar.is_workday(day)
        return day

    for start in (date(2005, 1, 1), date(2012, 9, 29), date(2019, 12, 31), date(2024, 5, 4)):
        for n in (1, 7, 45, 250, 600):
            due = add_working_days(start, n)
            assert due == walk(start, n)
            assert working_days_between(start, due) == n
            back = subtract_working_days(due, n)
            assert back <= start
            assert working_days_between(back, due) == n


def test_override_holiday_shifts_a_due_date():
    # Mon 9 Mar + 1 is Tue 10 Mar, until the company marks 10 Mar a holiday (e.g. a local one).
    assert add_working_days(date(2026, 3, 9), 1) == date(2026, 3, 10)
    override = CalendarOverride.objects.create(
        day=date(2026, 3, 10), kind=CalendarOverride.Kind.HOLIDAY, note="测试：地方假日"
    )
    # The save signal cleared the cache: no stale answer.
    assert not is_workday(date(2026, 3, 10))
    assert add_working_days(date(2026, 3, 9), 1) == date(2026, 3, 11)
    assert working_days_between(date(2026, 3, 9), date(2026, 3, 11)) == 1

    override.delete()
    assert add_working_days(date(2026, 3, 9), 1) == date(2026, 3, 10)


def test_override_workday_on_a_weekend():
    CalendarOverride.objects.create(day=date(2026, 3, 7), kind=CalendarOverride.Kind.WORKDAY)
    # Fri 6 Mar + 1 is now Sat 7 Mar instead of Mon 9 Mar.
    assert add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 7)


def test_uncovered_year_falls_back_to_weekdays_and_says_so(caplog):
    assert is_year_covered(2026)
    assert not is_year_covered(2027)
    with caplog.at_level(logging.WARNING, logger="monitoring.workdays"):
        # Wed 30 Dec 2026 + 3: Thu 31 Dec (1), Fri 1 Jan 2027 guessed a workday (2), Mon 4 Jan (3).
        assert add_working_days(date(2026, 12, 30), 3) == date(2027, 1, 4)
    assert "2027" in caplog.text
    assert is_workday(date(2027, 1, 1))
    assert not is_workday(date(2027, 1, 2))
    assert uncovered_years(date(2026, 12, 30), date(2027, 1, 4)) == [2027]
    assert coverage_warnings(date(2026, 12, 30), date(2027, 1, 4)) == [
        "2027 年的法定节假日尚未录入：到期日按周一至周五推算，可能不准确。"
        "请在“日历调整”中录入国务院公布的放假安排并确认该年度。"
    ]
    assert coverage_warnings(date(2026, 1, 1), date(2026, 12, 31)) == []


def test_overrides_without_confirmation_are_honoured_but_still_warned():
    CalendarOverride.objects.create(day=date(2027, 1, 1), kind=CalendarOverride.Kind.HOLIDAY)
    # Thu 31 Dec (1), Mon 4 Jan (2), Tue 5 Jan (3).
    assert add_working_days(date(2026, 12, 30), 3) == date(2027, 1, 5)
    assert uncovered_years(date(2027, 1, 1), date(2027, 12, 31)) == [2027]


def test_confirmed_year_uses_overrides_and_raises_no_warning():
    # Hypothetical 2027 entries (test data, not the real arrangement).
    CalendarOverride.objects.create(
        day=date(2027, 1, 1), kind=CalendarOverride.Kind.HOLIDAY, note="2027年元旦"
    )
    CalendarOverride.objects.create(
        day=date(2027, 1, 9), kind=CalendarOverride.Kind.WORKDAY, note="2027年调休上班"
    )
    CalendarYear.objects.create(year=2027, note="公司已按国务院通知录入本年节假日")

    assert is_year_covered(2027)
    assert coverage_warnings(date(2026, 12, 1), date(2027, 12, 31)) == []
    # Wed 30 Dec 2026 + 3: Thu 31 Dec (1), 1 Jan off, Mon 4 Jan (2), Tue 5 Jan (3).
    assert add_working_days(date(2026, 12, 30), 3) == date(2027, 1, 5)
    # Fri 8 Jan + 1: the entered make-up Saturday 9 Jan.
    assert add_working_days(date(2027, 1, 8), 1) == date(2027, 1, 9)


def test_confirming_a_year_clears_the_cache():
    assert coverage_warnings(date(2027, 6, 1), date(2027, 6, 1)) != []
    year = CalendarYear.objects.create(year=2027)
    assert coverage_warnings(date(2027, 6, 1), date(2027, 6, 1)) == []
    year.delete()
    assert uncovered_years(date(2027, 6, 1), date(2027, 6, 1)) == [2027]


def test_due_at_is_next_midnight_in_shanghai():
    accepted = datetime(2026, 2, 12, 16, 30, tzinfo=SHANGHAI)
    due = due_at(accepted, 3)
    assert due == datetime(2026, 2, 25, 0, 0, tzinfo=SHANGHAI)
    assert due == datetime(2026, 2, 24, 16, 0, tzinfo=UTC)
    assert timezone.is_aware(due)
    assert due.utcoffset() == timedelta(hours=8)


def test_due_at_uses_the_shanghai_day_of_the_start():
    # 17:00 UTC on 12 Feb is 01:00 on Fri 13 Feb in Shanghai: day 1 is Sat 14 Feb (调休).
    accepted = datetime(2026, 2, 12, 17, 0, tzinfo=UTC)
    assert due_at(accepted, 1) == datetime(2026, 2, 15, 0, 0, tzinfo=SHANGHAI)


def test_due_at_refuses_naive_datetimes():
    with pytest.raises(ValueError):
        due_at(datetime(2026, 2, 12, 9, 0), 3)


def test_hour_limits_count_calendar_hours():
    accepted = datetime(2026, 2, 14, 18, 0, tzinfo=SHANGHAI)
    assert due_at_hours(accepted, 24) == datetime(2026, 2, 15, 18, 0, tzinfo=SHANGHAI)
    assert due_at_hours(accepted, 48) == datetime(2026, 2, 16, 18, 0, tzinfo=SHANGHAI)


def test_admin_changelist_warns_about_next_year(admin_client, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: date(2026, 11, 23))
    response = admin_client.get("/admin/monitoring/calendaroverride/")
    assert response.status_code == 200
    assert "2027 年的法定节假日尚未录入" in response.content.decode()

    CalendarYear.objects.create(year=2027)
    response = admin_client.get("/admin/monitoring/calendaryear/")
    assert response.status_code == 200
    assert "尚未录入" not in response.content.decode()
