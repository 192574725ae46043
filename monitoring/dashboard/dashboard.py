"""The supervisors' dashboard: figures laid out as tables, each number linked to its list."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from applications import paths
from applications.models import Unit
from applications.states import Channel, CustomerClass, State

from ..clocks import process_limit_for
from ..forecast.lists import likely_late, likely_late_table
from ..models import Callback, DailyReceived, MonthlyStageFigures
from ..models.policy import CLOCK_STAGE_CHOICES, SCHEME_APPROVAL
from ..routines.dashboard import open_items_table
from . import figures as F
from .complaint_tables import complaint_counts, complaint_tables
from .concurrent import can_run_in_parallel, run_in_two
from .filters import (
    Filters,
    Period,
    scoped_applications,
    scoped_callbacks,
    scoped_clocks,
    scoped_monthly,
    scoped_ratings,
    scoped_records,
)
from .links import Links, period_params
from .settlement import scoped_charges, settlement_figures, settlement_table
from .supervision import supervision_figures, supervision_table
from .tables import Cell, Chart, Report, Table, count, days, rate, ratio, text, total_label

STAGE_LABELS = dict(CLOCK_STAGE_CHOICES)
STATE_LABELS = dict(State.choices)
# Stages in path order, the parallel approvals right after the scheme they belong to.
STAGE_ORDER = [
    s
    for stage in paths.ACTIVE_STAGES
    for s in ((stage, SCHEME_APPROVAL) if stage == State.SCHEME else (stage,))
]


def filter_lines(filters: Filters) -> list[tuple[str, str]]:
    lines = [(_("统计期"), str(filters.period)), (_("对比基期"), str(filters.baseline))]
    lines.append((_("供电单位"), str(filters.unit) if filters.unit else _("全部（本人可见范围）")))
    lines.append(
        (
            _("用电类别"),
            str(CustomerClass(filters.customer_class).label)
            if filters.customer_class
            else _("全部"),
        )
    )
    sm = {None: _("全部"), True: _("是"), False: _("否")}[filters.small_micro]
    lines.append((_("小微企业"), sm))
    return lines


def build_dashboard(*, user, request, filters: Filters, now: datetime) -> Report:
    apps = scoped_applications(user, filters)
    clocks = scoped_clocks(user, filters)
    records = scoped_records(user, filters)
    links = Links(request, filters)
    period = filters.period
    monthly = scoped_monthly(user, filters)
    callbacks = scoped_callbacks(user, filters)
    ratings = scoped_ratings(user, filters)
    # Two halves of about equal cost, run side by side on PostgreSQL (see `concurrent`).
    daily = scoped_monthly(user, filters, DailyReceived)
    stage_rollup = scoped_monthly(user, filters, MonthlyStageFigures)
    charges = scoped_charges(user, filters)
    (
        running,
        judged,
        in_flight,
        channels,
        callback_tables,
        settled,
        details,
        earlier,
        trend,
        supervised,
        complained,
    ) = run_in_two(
        [
            lambda: F.running_summary(clocks, now),
            lambda: F.judged_summary(clocks, period, stage_rollup),
            lambda: in_flight_table(apps, links),
            lambda: channel_table(apps, daily, links, period),
            lambda: callbacks_tables(callbacks, links, period, ratings),
            lambda: settlement_figures(charges, period),
        ],
        [
            lambda: F.connection_details(records, period),
            lambda: earlier_connection(records, filters),
            lambda: trend_table(apps, records, clocks, monthly, links, period),
            lambda: supervision_figures(user, filters),
            lambda: complaint_counts(user, filters),
        ],
        parallel=can_run_in_parallel(),
    )
    connection = connection_tables(details, earlier, links, filters)
    # The rest folds those group rows (and asks for a few names and the process limits).
    tables = [
        in_flight,
        clocks_now_table(running, links),
        stage_table(judged, links, period),
        *connection,
        trend,
        unit_ranking_table(details, judged, running, links, period),
        manager_ranking_table(details, judged, running, links, period),
        channels,
        steps_table(details, links, period),
        *callback_tables,
        settlement_table(settled, links, period),
        *complaint_tables(user, complained, links, filters),
        supervision_table(supervised, links, period),
        open_items_table(user, filters.unit, links, now),  # 督办事项 (monitoring.routines)
        # 预计超期清单 (monitoring.forecast): open stages likely to miss their limit; last, like
        # the 督办 items, so the figures' tables keep their places.
        likely_late_table(
            likely_late(
                user,
                unit=filters.unit,
                stations=False,
                customer_class=filters.customer_class,
                small_micro=filters.small_micro,
            )
        ),
    ]
    return Report(
        title=_("业扩时限管控看板"),
        subtitle=filter_lines(filters),
        tables=tables,
        filename=f"dashboard-{filters.period.start:%Y%m%d}-{filters.period.end:%Y%m%d}.xlsx",
    )


# --- Now ----------------------------------------------------------------------------------------


def in_flight_table(apps, links: Links) -> Table:
    by_state = F.in_flight_by_state(apps)
    table = Table(
        "in_flight",
        _("在途申请（按当前环节）"),
        [_("当前环节"), _("在途件数")],
        note=_("当前未归档、未撤销的申请；不受统计期限制。"),
        chart=Chart("bar", [1]),
    )
    for state in F.IN_FLIGHT_STATES:
        if by_state.get(state):
            table.rows.append(
                [
                    text(STATE_LABELS[state]),
                    count(by_state[state], links.applications(state__exact=state)),
                ]
            )
    in_flight = links.applications(state__in=list(F.IN_FLIGHT_STATES))
    table.rows.append([text(total_label()), count(sum(by_state.values()), in_flight)])
    return table


def clocks_now_table(running: F.RunningSummary, links: Links) -> Table:
    by_stage = running.by_stage
    labels = {"overdue": _("已超期"), "due_today": _("今日到期"), "warning": _("预警中")}
    table = Table(
        "clocks_now",
        _("时限预警与超期（当前）"),
        [_("环节"), *labels.values()],
        note=_(
            "计时中、未暂停、计入公司时限的环节：已超期＝到期时间已过；今日到期＝今日24:00前到期；"
            "预警中＝已到预警时间、尚未到期。"
        ),
        chart=Chart("stacked", [1, 2, 3]),
    )
    totals = dict.fromkeys(labels, 0)
    for stage in STAGE_ORDER:
        row = by_stage.get(stage)
        if not row or not any(row.values()):
            continue
        cells = [text(STAGE_LABELS[stage])]
        for status in labels:
            totals[status] += row[status]
            cells.append(count(row[status], links.clocks(now_status=status, stage__exact=stage)))
        table.rows.append(cells)
    table.rows.append(
        [text(total_label()), *(count(totals[s], links.clocks(now_status=s)) for s in labels)]
    )
    return table


# --- Stages finished in the period --------------------------------------------------------------


def limit_text(fig: F.StageFigures) -> str:
    if fig.limit_hours is not None and fig.limit_min is None:
        return _("%(h)s小时") % {"h": fig.limit_hours}
    if fig.limit_min is None:
        return ""
    if fig.limit_min == fig.limit_max:
        return str(fig.limit_min)
    return f"{fig.limit_min}–{fig.limit_max}"


def stage_table(judged: F.JudgedSummary, links: Links, period: Period) -> Table:
    by_stage = judged.by_stage
    table = Table(
        "stages",
        _("各环节超期率与用时（统计期内办结）"),
        [
            _("环节"),
            _("时限（工作日）"),
            _("办结数"),
            _("超期办结数"),
            _("超期率"),
            _("平均用时（工作日）"),
            _("P90用时（工作日）"),
        ],
        note=_(
            "超期率＝超期办结的环节数÷办结的环节数（计入公司时限、统计期内结束、按期或超期办结；"
            "退回、撤销不计）。用时为扣除暂停后的工作日；P90为第90百分位（连续插值）。"
            "时限为这些环节计时时采用的标准，多个标准时显示范围。"
        ),
        chart=Chart("bar", [5, 6]),
    )
    finished = breached = 0
    for stage in STAGE_ORDER:
        fig = by_stage.get(stage)
        if fig is None:
            continue
        finished += fig.finished
        breached += fig.breached
        table.rows.append(
            [
                text(STAGE_LABELS[stage]),
                text(limit_text(fig)),
                count(fig.finished, links.judged_clocks(period, stage__exact=stage)),
                count(
                    fig.breached,
                    links.judged_clocks(period, breached_only=True, stage__exact=stage),
                ),
                rate(fig.overdue_rate, links.judged_clocks(period, stage__exact=stage)),
                days(fig.average, links.judged_clocks(period, stage__exact=stage)),
                days(fig.p90, links.judged_clocks(period, stage__exact=stage)),
            ]
        )
    table.rows.append(
        [
            text(total_label()),
            text(""),
            count(finished, links.judged_clocks(period)),
            count(breached, links.judged_clocks(period, breached_only=True)),
            rate(ratio(breached, finished), links.judged_clocks(period)),
            days(None),
            days(None),
        ]
    )
    return table


# --- Connection time ----------------------------------------------------------------------------


def _connection_rows(filters: Filters) -> list[tuple[str, dict]]:
    """(label, match) for each row of the connection table, small/micro under 低压非居民."""
    rows = []
    for cls in CustomerClass:
        if filters.customer_class and cls != filters.customer_class:
            continue
        rows.append((str(cls.label), {"customer_class": cls.value}))
        if cls == CustomerClass.LV_BUSINESS and filters.small_micro is None:
            rows.append(
                (_("其中：小微企业"), {"customer_class": cls.value, "is_small_micro": True})
            )
    rows.append((total_label(), {}))
    return rows


def _process_limit(match: dict, on, small_micro: bool | None) -> str:
    cls = match.get("customer_class")
    if not cls:
        return ""
    # A row of only small/micro firms has their own limit; a mixed row shows the general one.
    small = bool(match.get("is_small_micro", small_micro))
    for kind in ("whole_process", "company_steps"):
        policy = process_limit_for(customer_class=cls, kind=kind, on=on, small_micro=small)
        if policy is not None:
            return str(policy.working_days)
    return ""


def _app_link(links: Links, period: Period, match: dict, **extra) -> str:
    params = {f"{k}__exact": v for k, v in match.items()}
    return links.applications(**period_params("energized_at", period), **params, **extra)


def earlier_connection(records, filters: Filters) -> tuple[dict, dict]:
    """Connection groups of the same period a year before and of the baseline period (one
    query when the baseline is the year before, as by default)."""
    year_before = filters.period.shifted(-1)
    previous = F.connection_groups(records, year_before)
    if filters.baseline == year_before:
        return previous, previous
    return previous, F.connection_groups(records, filters.baseline)


def connection_tables(details, earlier: tuple[dict, dict], links: Links, filters) -> list[Table]:
    """`details`: the period's `connection_details`; `earlier`: `earlier_connection`."""
    period = filters.period
    year_before = period.shifted(-1)
    current = F.fold(details, F.CONNECTION_KEYS)
    previous, baseline = earlier
    split = Table(
        "connection",
        _("平均接电时长（统计期内送电）"),
        [
            _("用电类别"),
            _("送电户数"),
            _("平均接电时长（工作日）"),
            _("有配套工程户数"),
            _("有配套工程占比"),
            _("有配套工程平均"),
            _("无配套工程户数"),
            _("无配套工程占比"),
            _("无配套工程平均"),
            _("有环节超时限户数"),
            _("上年同期平均"),
            _("同比变化"),
            _("全流程时限（工作日）"),
        ],
        note=_(
            "接电时长＝受理至送电的工作日，扣除客户原因暂停和客户设计、施工等客户时间（即各公司环节"
            "扣除暂停后的用时之和），按统计期内送电的申请计；同比变化＝本期平均－上年同期平均。"
        ),
        chart=Chart("bar", [2, 5, 8]),
    )
    saving = Table(
        "saving",
        _("流程时间节约率（对比基期）"),
        [_("用电类别"), _("基期送电户数"), _("基期平均"), _("本期平均"), _("流程时间节约率")],
        note=_("流程时间节约率＝（基期平均接电时长－本期平均接电时长）÷基期平均接电时长。"),
        chart=Chart("bar", [2, 3]),
    )
    for label, match in _connection_rows(filters):
        now = F.connection_total(current, **match)
        if not now.count and match:
            continue
        works = F.connection_total(current, **match, has_grid_works=True)
        plain = F.connection_total(current, **match, has_grid_works=False)
        before = F.connection_total(previous, **match)
        change = (
            now.average - before.average if now.average is not None and before.average else None
        )
        split.rows.append(
            [
                text(label),
                count(now.count, _app_link(links, period, match)),
                days(now.average, _app_link(links, period, match)),
                count(works.count, _app_link(links, period, match, has_grid_works__exact=True)),
                rate(ratio(works.count, now.count)),
                days(works.average, _app_link(links, period, match, has_grid_works__exact=True)),
                count(plain.count, _app_link(links, period, match, has_grid_works__exact=False)),
                rate(ratio(plain.count, now.count)),
                days(plain.average, _app_link(links, period, match, has_grid_works__exact=False)),
                Cell(now.late, "count"),
                days(before.average, _app_link(links, year_before, match)),
                Cell(change, "signed"),
                text(_process_limit(match, period.end, filters.small_micro)),
            ]
        )
        base = F.connection_total(baseline, **match)
        saving.rows.append(
            [
                text(label),
                count(base.count, _app_link(links, filters.baseline, match)),
                days(base.average, _app_link(links, filters.baseline, match)),
                days(now.average, _app_link(links, period, match)),
                rate(F.time_saving_rate(base.average, now.average)),
            ]
        )
    return [split, saving]


# --- Trend --------------------------------------------------------------------------------------


def trend_table(apps, records, clocks, rollup, links: Links, period: Period) -> Table:
    months = F.months_ending(period.end)
    trend = F.monthly_trend(apps, records, clocks, rollup, months)
    table = Table(
        "trend",
        _("月度趋势（截至统计期末的12个月）"),
        [
            _("月份"),
            _("受理件数"),
            _("送电户数"),
            _("平均接电时长（工作日）"),
            _("办结环节数"),
            _("超期率"),
        ],
        chart=Chart("line", [3, 5], axis_right=[5]),
    )
    for month, figures in zip(months, trend, strict=True):
        n, conn = figures.received, figures.connection
        finished, breached = figures.finished, figures.breached
        table.rows.append(
            [
                text(f"{month.start:%Y-%m}"),
                count(n, links.applications(**period_params("accepted_at", month))),
                count(conn.count, links.applications(**period_params("energized_at", month))),
                days(conn.average, links.applications(**period_params("energized_at", month))),
                count(finished, links.judged_clocks(month)),
                rate(ratio(breached, finished), links.judged_clocks(month)),
            ]
        )
    return table


# --- Rankings -----------------------------------------------------------------------------------


def rank_columns() -> list[str]:
    return [
        _("送电户数"),
        _("平均接电时长（工作日）"),
        _("办结环节数"),
        _("超期办结数"),
        _("超期率"),
        _("当前超期"),
    ]


def _ranking_row(
    names: tuple[str, str],
    conn: F.Connection,
    judged: tuple[int, int],
    overdue_now: int | None,
    links: Links,
    period: Period,
    *,
    on_applications: dict,
    on_clocks: dict,
) -> list[Cell]:
    """A ranked unit or person: connection time over their applications (`on_applications`
    picks them in the admin), judged and overdue clocks over their clocks (`on_clocks`)."""
    finished, breached = judged
    energized = links.applications(**period_params("energized_at", period), **on_applications)
    judged_list = links.judged_clocks(period, **on_clocks)
    return [
        text(names[0]),
        text(names[1]),
        count(conn.count, energized),
        days(conn.average, energized),
        count(finished, judged_list),
        count(breached, links.judged_clocks(period, breached_only=True, **on_clocks)),
        rate(ratio(breached, finished), judged_list),
        count(overdue_now, links.clocks(now_status="overdue", **on_clocks)),
    ]


def _ranked(table: Table) -> Table:
    """Worst first: overdue rate, then average connection time, then name."""
    table.rows.sort(key=lambda row: (-(row[6].value or 0), -(row[3].value or 0), row[0].value))
    return table


def unit_ranking_table(details, judged_summary, running, links: Links, period: Period) -> Table:
    connection = F.fold(details, ("unit",))
    judged = judged_summary.by_unit
    overdue_now = running.overdue_by_unit
    unit_ids = {k[0] for k in connection} | set(judged) | {k for k, n in overdue_now.items() if n}
    units = Unit.objects.select_related("parent").in_bulk(unit_ids)
    table = Table(
        "units",
        _("供电单位排名（按超期率、平均接电时长）"),
        [_("供电单位"), _("上级单位"), *rank_columns()],
        chart=Chart("bar", [3], horizontal=True),
    )
    for unit_id in unit_ids:
        unit = units[unit_id]
        on_unit = {"unit__id__exact": unit_id}
        table.rows.append(
            _ranking_row(
                (unit.name, unit.parent.name if unit.parent_id else ""),
                connection.get((unit_id,), F.Connection()),
                judged.get(unit_id, (0, 0)),
                overdue_now.get(unit_id),
                links,
                period,
                on_applications=on_unit,
                on_clocks=on_unit,
            )
        )
    return _ranked(table)


def manager_ranking_table(details, judged_summary, running, links: Links, period) -> Table:
    connection = F.fold(details, ("customer_manager",))
    judged = judged_summary.by_responsible
    overdue_now = running.overdue_by_responsible
    user_ids = {k[0] for k in connection} | set(judged) | {k for k, n in overdue_now.items() if n}
    user_ids.discard(None)
    users = (
        get_user_model()
        .objects.filter(pk__in=user_ids)
        .select_related("staff_profile__unit")
        .in_bulk()
    )
    table = Table(
        "managers",
        _("客户经理（责任人）排名"),
        [_("客户经理/责任人"), _("单位"), *rank_columns()],
        note=_(
            "送电户数与接电时长按申请的客户经理统计；办结、超期按环节责任人统计"
            "（配套工程为项目经理，方案会签为审批人）。"
        ),
        chart=Chart("bar", [3], horizontal=True),
    )
    for user_id in user_ids:
        user = users[user_id]
        profile = getattr(user, "staff_profile", None)
        table.rows.append(
            _ranking_row(
                (user.get_full_name() or user.get_username(), profile.unit.name if profile else ""),
                connection.get((user_id,), F.Connection()),
                judged.get(user_id, (0, 0)),
                overdue_now.get(user_id),
                links,
                period,
                on_applications={"customer_manager__id__exact": user_id},
                on_clocks={"responsible__id__exact": user_id},
            )
        )
    return _ranked(table)


# --- Received, steps, callbacks -----------------------------------------------------------------


def channel_table(apps, daily, links: Links, period: Period) -> Table:
    by_channel = F.received_by_channel(apps, daily, period)
    total = sum(by_channel.values())
    received = period_params("accepted_at", period)
    table = Table(
        "channels",
        _("受理件数（按渠道）"),
        [_("受理渠道"), _("受理件数"), _("占比")],
        chart=Chart("bar", [1]),
    )
    for channel in Channel:
        n = by_channel.get(channel.value, 0)
        if n:
            table.rows.append(
                [
                    text(channel.label),
                    count(n, links.applications(**received, channel__exact=channel.value)),
                    rate(ratio(n, total)),
                ]
            )
    table.rows.append(
        [
            text(total_label()),
            count(total, links.applications(**received)),
            rate(ratio(total, total)),
        ]
    )
    return table


def steps_table(details, links: Links, period: Period) -> Table:
    by_class_steps = F.customer_steps(details)
    table = Table(
        "steps",
        _("客户经历环节数（统计期内送电）"),
        [
            _("用电类别"),
            _("送电户数"),
            _("平均环节数"),
            *(_("%(n)s个环节") % {"n": n} for n in range(1, 6)),
        ],
        note=_(
            "环节数＝申请经历的面向客户的环节（①业务受理 ②供电方案确定及答复 ③设计检查 "
            "④供电合同签订 ⑤投运送电）个数。"
        ),
        chart=Chart("stacked", [3, 4, 5, 6, 7]),
    )
    energized = period_params("energized_at", period)
    classes = [c for c in CustomerClass if any(k[0] == c.value for k in by_class_steps)]
    for cls in [*classes, None]:
        dist: dict[int, int] = {}  # the total row adds the classes up
        for (c, steps), n in by_class_steps.items():
            if cls is None or c == cls.value:
                dist[steps] = dist.get(steps, 0) + n
        total = sum(dist.values())
        avg = sum(s * n for s, n in dist.items()) / total if total else None
        link = links.applications(
            **energized, **({"customer_class__exact": cls.value} if cls else {})
        )
        table.rows.append(
            [
                text(cls.label if cls else total_label()),
                count(total, link),
                days(avg),
                *(Cell(dist.get(n, 0), "count") for n in range(1, 6)),
            ]
        )
    return table


def callbacks_tables(callbacks, links: Links, period: Period, ratings=None) -> list[Table]:
    by_kind = F.callback_figures(callbacks, period)
    parts = F.satisfaction_parts(callbacks, period, ratings)
    reached, satisfied = parts["callbacks"]
    online_reached, online_satisfied = parts["online"]
    due = period_params("due_at", period)
    table = Table(
        "callbacks",
        _("回访与满意度"),
        [_("回访类型"), _("应回访"), _("已回访"), _("无法联系"), _("待回访"), _("疑似线外流转")],
        note=_(
            "按应回访时间在统计期内的回访计（已取消的不计）。满意率＝评分4–5分的客户÷"
            "已回访并评分的客户（满意度回访，按接通时间在统计期内计）。"
        ),
        chart=Chart("stacked", [2, 3, 4]),
    )
    S = Callback.Status
    OPEN = list(Callback.OPEN_STATUSES)
    NOT_CANCELLED = [s.value for s in S if s != S.CANCELLED]
    totals = dict.fromkeys(("total", "reached", "unreachable", "open", "off_system"), 0)
    for kind in Callback.Kind:
        row = by_kind.get(kind.value)
        if not row:
            continue
        for k in totals:
            totals[k] += row[k]
        of_kind = {**due, "kind__exact": kind.value}
        table.rows.append(
            [
                text(kind.label),
                count(row["total"], links.callbacks(**of_kind, status__in=NOT_CANCELLED)),
                count(row["reached"], links.callbacks(**of_kind, status__exact=S.REACHED)),
                count(row["unreachable"], links.callbacks(**of_kind, status__exact=S.UNREACHABLE)),
                count(row["open"], links.callbacks(**of_kind, status__in=OPEN)),
                count(
                    row["off_system"], links.callbacks(**of_kind, suspected_off_system__exact=True)
                ),
            ]
        )
    table.rows.append(
        [
            text(total_label()),
            count(totals["total"], links.callbacks(**due, status__in=NOT_CANCELLED)),
            count(totals["reached"], links.callbacks(**due, status__exact=S.REACHED)),
            count(totals["unreachable"], links.callbacks(**due, status__exact=S.UNREACHABLE)),
            count(totals["open"], links.callbacks(**due, status__in=OPEN)),
            count(totals["off_system"], links.callbacks(**due, suspected_off_system__exact=True)),
        ]
    )
    scored = {
        **period_params("reached_at", period),
        "kind__exact": "satisfaction",
        "status__exact": S.REACHED,
    }
    rated = period_params("rated_at", period)
    sat = Table(
        "satisfaction",
        _("满意率"),
        [_("项目"), _("已回访并评分"), _("评分4–5分"), _("满意率")],
        rows=[
            [
                text(_("满意度回访")),
                count(reached, links.callbacks(**scored, satisfaction__isnull=False)),
                count(satisfied, links.callbacks(**scored, satisfaction__gte=4)),
                rate(ratio(satisfied, reached)),
            ],
            [
                text(_("客户网页评价")),
                count(online_reached, links.ratings(**rated, counted="1")),
                count(online_satisfied, links.ratings(**rated, counted="1", score__gte=4)),
                rate(ratio(online_satisfied, online_reached)),
            ],
            [
                text(total_label()),
                count(reached + online_reached),
                count(satisfied + online_satisfied),
                rate(ratio(satisfied + online_satisfied, reached + online_reached)),
            ],
        ],
        note=_(
            "每位客户只计一次：满意度回访已评分的，以回访评分为准（按接通时间计）；"
            "回访未评分的，计其在客户网页的评价（按评价时间计）。"
        ),
    )
    return [table, sat]
