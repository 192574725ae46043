"""The daily briefing (晨会) of a unit or a customer manager, and the weekly meeting pack (周例会).

The briefing covers what happened since the previous working day began (so Monday's meeting
sees Friday and the weekend), what is due today or in its warning window, what is overdue and
whose it is, and the callbacks to make today. The weekly pack is the dashboard's figures for one
ISO week plus the week's late stages and today's overdue list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import privacy, rules
from applications.models import TransitionLog, Unit

from .. import workdays
from ..forecast.lists import likely_late, likely_late_table
from ..models import Callback, StageClock, SupervisionCase, SupervisionLetter
from . import dashboard as D
from . import figures as F
from . import supervision as S
from .filters import Filters, Period, local_midnight, scoped_callbacks, scoped_clocks
from .links import Links
from .tables import Cell, Report, Table, count, text

LIST_LIMIT = 500  # rows per list; the linked admin list has them all


def _person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


@dataclass(frozen=True)
class Audience:
    """Whose briefing: a unit (and the stations under it), or one customer manager."""

    unit: Unit | None = None
    manager: object | None = None  # a User

    def __str__(self) -> str:
        if self.manager is not None:
            return _person(self.manager)
        return str(self.unit) if self.unit else _("全部（本人可见范围）")


def _for_unit(qs: QuerySet, unit: Unit | None, field: str) -> QuerySet:
    if unit is None:
        return qs
    return qs.filter(Q(**{field: unit}) | Q(**{f"{field}__parent": unit}))


def previous_working_day(day: date) -> date:
    """The last working day before `day` (Friday for a Monday or a weekend)."""
    previous = day - timedelta(days=1)
    for _step in range(60):  # the longest holiday is 9 days; 60 is a guard, not a rule
        if workdays.is_workday(previous):
            break
        previous -= timedelta(days=1)
    return previous


def since_previous_working_day(day: date) -> Period:
    """From the start of the last working day before `day` to the end of the day before it."""
    return Period(previous_working_day(day), day - timedelta(days=1))


def _for_audience(qs: QuerySet, audience: Audience, *, unit_field: str, owner_field: str):
    """Rows of the audience: its unit and the stations under it, or one person's."""
    qs = _for_unit(qs, audience.unit, unit_field)
    if audience.manager is not None:
        qs = qs.filter(**{owner_field: audience.manager})
    return qs


def transitions_in(user, audience: Audience, period: Period) -> QuerySet[TransitionLog]:
    logs = rules.scope_to_user(TransitionLog.objects.all(), user, unit_field="application__unit")
    logs = _for_audience(
        logs, audience, unit_field="application__unit", owner_field="application__customer_manager"
    )
    return logs.filter(at__gte=period.since, at__lt=period.until)


def audience_clocks(user, audience: Audience) -> QuerySet[StageClock]:
    clocks = scoped_clocks(user, Filters(period=None, baseline=None))
    return _for_audience(clocks, audience, unit_field="unit", owner_field="responsible")


def audience_callbacks(user, audience: Audience) -> QuerySet[Callback]:
    callbacks = scoped_callbacks(user, Filters(period=None, baseline=None))
    return _for_audience(callbacks, audience, unit_field="unit", owner_field="assigned_to")


def audience_cases(user, audience: Audience) -> QuerySet[SupervisionCase]:
    """The audience's open supervision cases (a manager's: those they are responsible for)."""
    cases = S.scoped_cases(user).filter(status=SupervisionCase.Status.OPEN)
    return _for_audience(cases, audience, unit_field="unit", owner_field="responsible")


def audience_letters(user, audience: Audience) -> QuerySet[SupervisionLetter]:
    """The audience's open letters (a manager's: those naming them as responsible)."""
    letters = S.open_letters(S.scoped_letters(user))
    return _for_audience(letters, audience, unit_field="unit", owner_field="responsible_staff")


def _app_link(application_id: int) -> str:
    return reverse("admin:applications_application_change", args=[application_id])


def _change_link(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def _when(instant: datetime | None) -> str:
    return f"{timezone.localtime(instant):%Y-%m-%d %H:%M}" if instant else ""


def _capped(table: Table, total: int, url: str = "") -> Table:
    if total > LIST_LIMIT:
        table.note = (table.note + " " if table.note else "") + _(
            "共%(n)s条，此处列出前%(limit)s条。"
        ) % {"n": total, "limit": LIST_LIMIT}
    return table


def transitions_table(logs: QuerySet[TransitionLog], period: Period) -> Table:
    rows = logs.select_related("application__customer", "actor").order_by("at", "pk")
    table = Table(
        "transitions",
        _("昨日流转（%(period)s）") % {"period": period},
        [_("办理时间"), _("工单编号"), _("户名"), _("原环节"), _("新环节"), _("操作"), _("办理人")],
        note=_("自上一个工作日0时起至今日0时的全部流转。"),
    )
    for log in rows[:LIST_LIMIT]:
        table.rows.append(
            [
                text(_when(log.at)),
                text(log.application.number, _app_link(log.application_id)),
                text(log.application.customer.name),
                text(log.get_from_state_display()),
                text(log.get_to_state_display()),
                text(log.transition_label),
                text(_person(log.actor)),
            ]
        )
    return _capped(table, rows.count())


def clock_list_table(key: str, title: str, clocks: QuerySet[StageClock], now, note="") -> Table:
    rows = clocks.select_related("application__customer", "responsible", "unit").order_by(
        "due_at", "pk"
    )
    today = timezone.localdate(now)
    table = Table(
        key,
        title,
        [
            _("工单编号"),
            _("户名"),
            _("供电单位"),
            _("环节"),
            _("责任人"),
            _("到期时间"),
            _("超期工作日"),
        ],
        note=note,
    )
    for clock in rows[:LIST_LIMIT]:
        late = None
        if clock.due_at and clock.due_at <= now:
            # Due at 24:00 of day d (stored as d+1 00:00): overdue by the working days after d.
            due_day = timezone.localdate(clock.due_at - timedelta(microseconds=1))
            late = workdays.working_days_between(due_day, today)
        table.rows.append(
            [
                text(clock.application.number, _app_link(clock.application_id)),
                text(clock.application.customer.name),
                text(clock.unit.name),
                text(clock.get_stage_display()),
                text(_person(clock.responsible)),
                text(_when(clock.due_at)),
                Cell(late, "count") if late is not None else text(""),
            ]
        )
    return _capped(table, rows.count())


def callbacks_list_table(
    callbacks: QuerySet[Callback], end: datetime, *, full_phone: bool
) -> Table:
    """Callbacks to make by `end`; phones masked unless the reader may see them whole."""
    rows = (
        callbacks.to_do_by(end)
        .select_related("application__customer", "assigned_to")
        .order_by("due_at", "pk")
    )
    table = Table(
        "callbacks_due",
        _("今日待回访"),
        [
            _("工单编号"),
            _("户名"),
            _("联系电话"),
            _("回访类型"),
            _("状态"),
            _("回访人"),
            _("应回访时间"),
        ],
        note=_("今日24:00前应回访或应重拨、尚未办结的回访（含此前逾期的）。"),
    )
    for cb in rows[:LIST_LIMIT]:
        table.rows.append(
            [
                text(cb.application.number, _app_link(cb.application_id)),
                text(cb.application.customer.name),
                text(privacy.shown(cb.application.customer.phone, kind="phone", full=full_phone)),
                text(cb.get_kind_display()),
                text(cb.get_status_display()),
                text(_person(cb.assigned_to)),
                text(_when(cb.try_at)),
            ]
        )
    return _capped(table, rows.count())


def cases_list_table(cases: QuerySet[SupervisionCase]) -> Table:
    """Open cases, oldest first, each linked to its page."""
    rows = cases.select_related("application", "rule", "unit", "responsible").order_by(
        "found_at", "pk"
    )
    table = Table(
        "open_cases",
        _("待核实监督线索"),
        [_("发现时间"), _("工单编号"), _("识别规则"), _("证据说明"), _("供电单位"), _("责任人")],
        note=_("尚未核实或排除的线外流转线索，按发现时间排列。"),
    )
    for case in rows[:LIST_LIMIT]:
        app = case.application
        table.rows.append(
            [
                text(_when(case.found_at), _change_link(case)),
                text(app.number if app else "", _app_link(app.pk) if app else ""),
                text(case.rule.name if case.rule_id else case.get_source_display()),
                text(case.evidence_text),
                text(case.unit.name),
                text(_person(case.responsible)),
            ]
        )
    return _capped(table, rows.count())


def letters_list_table(key: str, title: str, letters, today: date, note: str = "") -> Table:
    """Letters with their rectification due, the earliest due first; 逾期 when an open letter's
    due date has passed."""
    rows = (
        letters.select_related("unit")
        .prefetch_related("responsible_staff")
        .order_by("rectification_due", "pk")
    )
    table = Table(
        key,
        title,
        [
            _("意见书编号"),
            _("问题类别"),
            _("被监督单位"),
            _("责任人"),
            _("状态"),
            _("签发时间"),
            _("整改期限"),
            _("整改逾期"),
        ],
        note=note,
    )
    for letter in rows[:LIST_LIMIT]:
        late = letter.status in S.OPEN_LETTER_STATUSES and letter.rectification_due < today
        table.rows.append(
            [
                text(letter.number, _change_link(letter)),
                text(letter.get_category_display()),
                text(letter.unit.name),
                text("、".join(_person(u) for u in letter.responsible_staff.all())),
                text(letter.get_status_display()),
                text(_when(letter.issued_at)),
                text(f"{letter.rectification_due:%Y-%m-%d}"),
                text(_("逾期") if late else ""),
            ]
        )
    return _capped(table, rows.count())


def summary_table(counts: list[tuple[str, int, str]]) -> Table:
    return Table(
        "summary",
        _("概况"),
        [_("项目"), _("数量")],
        rows=[[text(label), count(n, url)] for label, n, url in counts],
    )


def build_briefing(
    *, user, request, audience: Audience, day: date, now: datetime, full_phone: bool | None = None
) -> Report:
    """The 晨会 briefing; phones whole only if `full_phone` (default: if the user may see them)."""
    since = since_previous_working_day(day)
    logs = transitions_in(user, audience, since)
    running = F.running_clocks(audience_clocks(user, audience))
    end_today = local_midnight(day + timedelta(days=1))
    due_today = running.filter(due_at__gt=now, due_at__lte=end_today)
    warning = running.filter(warn_at__lte=now, due_at__gt=now)
    overdue = running.filter(due_at__lte=now)
    callbacks = audience_callbacks(user, audience)
    links = Links(request, Filters(period=None, baseline=None, unit=audience.unit))
    owner = {"responsible__id__exact": audience.manager.pk} if audience.manager else {}
    caller = {"assigned_to__id__exact": audience.manager.pk} if audience.manager else {}
    # The callback list's "due" is today's: a briefing of another day has no list to link.
    callbacks_due = links.callbacks(todo="due", **caller) if day == timezone.localdate(now) else ""
    cases, letters = audience_cases(user, audience), audience_letters(user, audience)
    on_case = {"responsible__id__exact": audience.manager.pk} if audience.manager else {}
    on_letter = {"responsible_staff__id__exact": audience.manager.pk} if audience.manager else {}
    open_status = {"status__in": [str(s) for s in S.OPEN_LETTER_STATUSES]}
    tables = [
        summary_table(
            [
                (_("昨日流转"), logs.count(), ""),
                (_("今日到期"), due_today.count(), links.clocks(now_status="due_today", **owner)),
                (_("预警中"), warning.count(), links.clocks(now_status="warning", **owner)),
                (_("已超期"), overdue.count(), links.clocks(now_status="overdue", **owner)),
                (_("今日待回访"), callbacks.to_do_by(end_today).count(), callbacks_due),
                (
                    _("待核实监督线索"),
                    cases.count(),
                    links.supervision(SupervisionCase, status__exact="open", **on_case),
                ),
                (
                    _("未关闭意见书"),
                    letters.count(),
                    links.supervision(SupervisionLetter, **open_status, **on_letter),
                ),
            ]
        ),
        transitions_table(logs, since),
        clock_list_table(
            "due_today",
            _("今日到期与预警"),
            running.filter(
                Q(due_at__gt=now, due_at__lte=end_today) | Q(warn_at__lte=now, due_at__gt=now)
            ),
            now,
            note=_("今日24:00前到期或已进入预警、尚未超期的计时环节。"),
        ),
        clock_list_table(
            "overdue",
            _("超期清单（责任人）"),
            overdue,
            now,
            note=_("计时中、未暂停、计入公司时限且已过到期时间的环节。"),
        ),
        # Days ahead of the warning: the stages the forecast says will likely run late.
        likely_late_table(likely_late(user, unit=audience.unit, owner=audience.manager)),
        callbacks_list_table(
            callbacks,
            end_today,
            full_phone=privacy.sees_personal_data(user) if full_phone is None else full_phone,
        ),
        cases_list_table(cases),
        letters_list_table(
            "open_letters",
            _("未关闭的监督意见书"),
            letters,
            day,
            note=_("已签发、整改中或已整改、尚未验收关闭的意见书，按整改期限排列。"),
        ),
    ]
    # Units in a unit-level briefing may be a company with stations: the admin's unit filter is
    # exact, so the summary links only carry it when the unit has no stations.
    if audience.unit is not None and audience.unit.children.exists():
        tables[0].rows = [[row[0], Cell(row[1].value, "count")] for row in tables[0].rows]
    return Report(
        title=_("晨会简报"),
        subtitle=[(_("日期"), f"{day:%Y-%m-%d}"), (_("对象"), str(audience))],
        tables=tables,
        filename=f"briefing-{day:%Y%m%d}.xlsx",
    )


def build_weekly(*, user, request, filters: Filters, now: datetime) -> Report:
    """The dashboard's figures for one ISO week, the week's late stages and today's overdue."""
    report = D.build_dashboard(user=user, request=request, filters=filters, now=now)
    keep = {"in_flight", "clocks_now", "stages", "connection", "units", "managers", "channels"}
    keep |= {"callbacks", "satisfaction", "supervision"}
    tables = [t for t in report.tables if t.key in keep]
    clocks = scoped_clocks(user, filters)
    late = F.judged_clocks(clocks, filters.period).filter(outcome=StageClock.Outcome.BREACHED)
    tables.append(
        clock_list_table(
            "late_this_week",
            _("本周超期办结清单"),
            late,
            now,
            note=_("本周内办结、超过时限的环节，按到期时间排列。"),
        )
    )
    tables.append(
        clock_list_table(
            "overdue",
            _("当前超期清单（责任人）"),
            F.running_clocks(clocks).filter(due_at__lte=now),
            now,
        )
    )
    letters = S.for_filters(S.scoped_letters(user), filters)
    today = timezone.localdate(now)
    tables.append(
        letters_list_table(
            "letters_this_week",
            _("本周签发的监督意见书"),
            S.issued_in(letters, filters.period),
            today,
            note=_("本周内签发的意见书（已作废的不计）。"),
        )
    )
    tables.append(
        letters_list_table("open_letters", _("未关闭的监督意见书"), S.open_letters(letters), today)
    )
    year, week, _weekday = filters.period.start.isocalendar()
    return Report(
        title=_("周例会材料（%(year)s年第%(week)s周）") % {"year": year, "week": week},
        subtitle=D.filter_lines(filters)[:1] + D.filter_lines(filters)[2:],
        tables=tables,
        filename=f"weekly-{year}-W{week:02d}.xlsx",
    )
