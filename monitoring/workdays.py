"""Working days: the official Chinese calendar, the company's overrides, and counting on them.

Rules (shared/DOMAIN.md §4 "Clock rules"):
- a day is a working day per the State Council's arrangement with 调休 make-up workdays
  (the `chinesecalendar` package), unless the company entered the day as a `CalendarOverride`;
- a year the package does not cover is guessed as Monday–Friday (plus any overrides) until the
  company confirms it with a `CalendarYear`; `coverage_warnings()` says so, and so does the log;
- a limit of N working days does not count the start day (民法典 art. 201) and is due at the
  end (24:00) of the N-th working day after it.

Everything is computed from a per-process cache: for each year, the sorted ordinals of its
working days and the number of working days before it. Counting is then a bisect, not a loop.
Saving or deleting an override or a confirmed year clears the cache (receivers in
`monitoring.models.calendar`); other processes reload after `CALENDAR_CACHE_SECONDS`.
"""

import logging
import threading
import time
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import chinese_calendar
from chinese_calendar.constants import holidays as _package_holidays
from chinese_calendar.constants import workdays as _package_workdays
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from monitoring.models import CalendarOverride, CalendarYear

logger = logging.getLogger(__name__)

PACKAGE_FIRST_YEAR = min(_package_holidays).year
PACKAGE_LAST_YEAR = max(_package_holidays).year
# chinese_calendar.is_workday() rescans its whole table on every call (≈ 40 µs); the same rule
# read from its tables directly: a listed 调休 workday, or Monday–Friday unless a listed holiday.
_PACKAGE_HOLIDAYS = frozenset(day.toordinal() for day in _package_holidays)
_PACKAGE_WORKDAYS = frozenset(day.toordinal() for day in _package_workdays)
# Ordinals count working days from 1 January of this year (the package's first): only differences
# mean anything, but a fixed origin keeps materialised ordinals comparable between runs, and an
# origin inside the covered years keeps guessed years out of every ordinal computed.
ORDINAL_ORIGIN_YEAR = 2004
# Signals clear this process's cache at once; other processes (workers, the scheduler) see a
# change made elsewhere after at most this many seconds.
CACHE_SECONDS = getattr(settings, "CALENDAR_CACHE_SECONDS", 300)


@dataclass
class _Year:
    workdays: list[int]  # date.toordinal() of each working day, ascending
    workday_set: frozenset[int]


@dataclass
class _Calendar:
    overrides: dict[int, dict[int, bool]]  # year -> {date ordinal: is_workday}
    confirmed_years: frozenset[int]
    loaded_at: float
    years: dict[int, _Year] = field(default_factory=dict)
    offsets: dict[int, int] = field(default_factory=dict)  # working days before 1 January


_calendar: _Calendar | None = None
_lock = threading.Lock()


def clear_cache() -> None:
    """Forget the cached calendar; the next call reloads overrides and confirmed years."""
    global _calendar
    _calendar = None


def _load() -> _Calendar:
    global _calendar
    current = _calendar
    if current is not None and time.monotonic() - current.loaded_at < CACHE_SECONDS:
        return current
    overrides: dict[int, dict[int, bool]] = {}
    for day, kind in CalendarOverride.objects.values_list("day", "kind"):
        overrides.setdefault(day.year, {})[day.toordinal()] = kind == CalendarOverride.Kind.WORKDAY
    confirmed = frozenset(CalendarYear.objects.values_list("year", flat=True))
    current = _Calendar(overrides=overrides, confirmed_years=confirmed, loaded_at=time.monotonic())
    _calendar = current
    return current


def _package_covers(year: int) -> bool:
    return PACKAGE_FIRST_YEAR <= year <= PACKAGE_LAST_YEAR


def _year(cal: _Calendar, year: int) -> _Year:
    cached = cal.years.get(year)
    if cached is not None:
        return cached
    with _lock:
        cached = cal.years.get(year)
        if cached is not None:
            return cached
        first = date(year, 1, 1).toordinal()
        last = date(year, 12, 31).toordinal()
        covered = _package_covers(year)
        overrides = cal.overrides.get(year, {})
        workdays = []
        for ordinal in range(first, last + 1):
            if ordinal in overrides:
                working = overrides[ordinal]
            elif covered and ordinal in _PACKAGE_WORKDAYS:
                working = True
            elif covered and ordinal in _PACKAGE_HOLIDAYS:
                working = False
            else:
                working = date.fromordinal(ordinal).weekday() < 5
            if working:
                workdays.append(ordinal)
        if not covered and year not in cal.confirmed_years:
            # Never silently: due dates in this year may be wrong until the company enters it.
            logger.warning(
                "Calendar year %s is not covered by chinesecalendar %s nor confirmed by the "
                "company: working days guessed as Monday–Friday%s.",
                year,
                chinese_calendar.__version__,
                f" plus {len(overrides)} override(s)" if overrides else "",
            )
        cached = _Year(workdays=workdays, workday_set=frozenset(workdays))
        cal.years[year] = cached
        return cached


def _offset(cal: _Calendar, year: int) -> int:
    """Working days from 1 January of ORDINAL_ORIGIN_YEAR up to (not including) `year`."""
    offsets = cal.offsets
    if year in offsets:
        return offsets[year]
    # Walk from the origin, filling every year on the way so each is summed only once.
    offsets.setdefault(ORDINAL_ORIGIN_YEAR, 0)
    step = 1 if year > ORDINAL_ORIGIN_YEAR else -1
    y = ORDINAL_ORIGIN_YEAR
    while y != year:
        if y + step not in offsets:
            if step == 1:
                offsets[y + 1] = offsets[y] + len(_year(cal, y).workdays)
            else:
                offsets[y - 1] = offsets[y] - len(_year(cal, y - 1).workdays)
        y += step
    return offsets[year]


def _nth_workday(cal: _Calendar, target: int, year: int) -> date:
    """The working day whose workday_ordinal is `target`, searching from `year`."""
    while target > _offset(cal, year) + len(_year(cal, year).workdays):
        year += 1
    while target <= _offset(cal, year):
        year -= 1
    return date.fromordinal(_year(cal, year).workdays[target - _offset(cal, year) - 1])


def is_workday(day: date) -> bool:
    """Whether `day` is a working day: company override, else the official calendar.

    For a year neither the package nor the company covers, Monday–Friday is a guess that
    `coverage_warnings()` reports.
    """
    cal = _load()
    return day.toordinal() in _year(cal, day.year).workday_set


def is_year_covered(year: int) -> bool:
    """Whether the year's working days are known: in the package, or confirmed by the company."""
    return _package_covers(year) or year in _load().confirmed_years


def uncovered_years(start: date, end: date) -> list[int]:
    """Years between `start` and `end` (either order, inclusive) whose calendar is a guess."""
    first, last = sorted((start.year, end.year))
    return [year for year in range(first, last + 1) if not is_year_covered(year)]


def coverage_warnings(start: date, end: date) -> list[str]:
    """One message per year between `start` and `end` whose working days are only guessed."""
    return [
        gettext(
            "%(year)s 年的法定节假日尚未录入：到期日按周一至周五推算，可能不准确。"
            "请在“日历调整”中录入国务院公布的放假安排并确认该年度。"
        )
        % {"year": year}
        for year in uncovered_years(start, end)
    ]


def workday_ordinal(day: date) -> int:
    """Running index of working days: +1 on each working day, unchanged on other days.

    A non-working day has the ordinal of the working day before it, so
    `working_days_between(a, b) == workday_ordinal(b) - workday_ordinal(a)` for a <= b.
    """
    cal = _load()
    return _offset(cal, day.year) + bisect_right(_year(cal, day.year).workdays, day.toordinal())


def working_days_between(start: date, end: date) -> int:
    """Number of working days d with start < d <= end; 0 when end <= start."""
    if end <= start:
        return 0
    return workday_ordinal(end) - workday_ordinal(start)


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after `start`; `start` itself is never counted (民法典 art. 201).

    n == 0 returns `start`; a negative n counts backwards like `subtract_working_days`.
    """
    if n == 0:
        return start
    if n < 0:
        return subtract_working_days(start, -n)
    cal = _load()
    return _nth_workday(cal, workday_ordinal(start) + n, start.year)


def subtract_working_days(day: date, n: int) -> date:
    """The latest working day w with `working_days_between(w, day) == n` (n == 0: `day`).

    For a working day d, `add_working_days(subtract_working_days(d, n), n) == d`; used for the
    warning "1 working day before due".
    """
    if n == 0:
        return day
    if n < 0:
        return add_working_days(day, -n)
    cal = _load()
    return _nth_workday(cal, workday_ordinal(day) - n, day.year)


def _require_aware(instant: datetime) -> None:
    # A naive datetime would be read in whatever zone the caller assumed; refuse it.
    if timezone.is_naive(instant):
        raise ValueError("Clock instants must be timezone-aware datetimes.")


def due_at(start: datetime, working_days: int) -> datetime:
    """End (24:00) of the `working_days`-th working day after the start's local day.

    Returned as the next day's 00:00 in settings.TIME_ZONE (Asia/Shanghai), timezone-aware,
    whatever the start's hour and whether its day is a working day.
    """
    _require_aware(start)
    zone = timezone.get_default_timezone()
    due_day = add_working_days(timezone.localtime(start, zone).date(), working_days)
    return datetime.combine(due_day + timedelta(days=1), datetime.min.time(), tzinfo=zone)


def due_at_hours(start: datetime, hours: float) -> datetime:
    """Hour limits count calendar hours from the start instant (24 h acceptance, 48 h warning)."""
    _require_aware(start)
    return start + timedelta(hours=hours)


def warning_start(due: datetime, working_days: int) -> datetime:
    """00:00 of the working day from which `working_days` working days remain until `due`.

    The due day is the local day `due` falls in, a 24:00 due belonging to the day it ends; for
    1 it is the due day itself if that is a working day, else the last working day before it.
    `working_days` < 1 gives `due` itself.
    """
    _require_aware(due)
    if working_days < 1:
        return due
    zone = timezone.get_default_timezone()
    due_day = timezone.localtime(due - timedelta(microseconds=1), zone).date()
    # The working day after the one `working_days` before the due day (ordinal arithmetic, so
    # it holds whether or not the due day itself is a working day).
    first = add_working_days(subtract_working_days(due_day, working_days), 1)
    return datetime.combine(first, datetime.min.time(), tzinfo=zone)


def materialize(start: date, end: date) -> list[tuple[date, bool, int]]:
    """(day, is_workday, workday_ordinal) for every day from `start` to `end` inclusive."""
    if end < start:
        return []
    cal = _load()
    rows = []
    ordinal = workday_ordinal(start)
    for day_number in range(start.toordinal(), end.toordinal() + 1):
        day = date.fromordinal(day_number)
        working = day_number in _year(cal, day.year).workday_set
        if working and day_number != start.toordinal():
            ordinal += 1
        rows.append((day, working, ordinal))
    return rows
