"""A summary as the dashboard's `Report`: the print view and the Excel export read the same
tables (the export through the dashboard's formula-safe `xlsx_response`)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from ..dashboard.tables import Cell, Report, Table, text
from ..models import MonthlySummary
from .figures import FIGURE_ROWS, change


def _cell(value, kind: str) -> Cell:
    return Cell(value if value is not None or kind != "count" else 0, kind)


def _change(value, kind: str) -> Cell:
    # A rate's change in percentage points, as the page's other changes are in their units.
    if kind == "rate" and value is not None:
        return Cell(value * 100, "signed")
    return Cell(value, "signed")


def figures_table(summary: MonthlySummary) -> Table:
    periods = summary.figures.get("periods", {})
    now, before, year = (periods.get(k, {}) for k in ("current", "previous", "year_before"))
    table = Table(
        "figures",
        _("主要指标"),
        [_("指标"), _("本月"), _("上月"), _("环比变化"), _("去年同月"), _("同比变化")],
        note=_(
            "与业扩时限管控看板同口径（同一计算函数，单位筛选为本单位、统计期为整月）；"
            "超期率的变化以百分点计；督办事项按其时限记录统计。"
        ),
    )
    for key, label, kind in FIGURE_ROWS:
        value = now.get(key)
        table.rows.append(
            [
                text(label),
                _cell(value, kind),
                _cell(before.get(key), kind),
                _change(change(value, before.get(key)), kind),
                _cell(year.get(key), kind),
                _change(change(value, year.get(key)), kind),
            ]
        )
    return table


def text_table(summary: MonthlySummary) -> Table:
    sections = [
        (_("总体情况"), summary.overview),
        (_("发现的问题"), summary.problems),
        (_("整改落实情况"), summary.actions),
        (_("下月工作安排"), summary.next_steps),
    ]
    return Table(
        "text", _("总结正文"), [_("栏目"), _("内容")], [[text(h), text(b)] for h, b in sections]
    )


def summary_report(summary: MonthlySummary) -> Report:
    issued = (
        f"{timezone.localtime(summary.issued_at):%Y-%m-%d %H:%M}"
        if summary.issued_at
        else summary.get_status_display()
    )
    return Report(
        title=str(summary),
        subtitle=[
            (_("供电单位"), str(summary.unit)),
            (_("月份"), f"{summary.month:%Y-%m}"),
            (_("状态"), summary.get_status_display()),
            (_("数据生成时间"), f"{timezone.localtime(summary.figures_at):%Y-%m-%d %H:%M}"),
            (_("签发"), issued),
        ],
        tables=[figures_table(summary), text_table(summary)],
        filename=f"monthly-summary-{summary.unit.code}-{summary.month:%Y%m}.xlsx",
    )
