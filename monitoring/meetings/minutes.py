"""The minutes as one `Report`: what the print page shows and the Excel workbook contains.

The workbook is written by the dashboard's `xlsx.workbook`, whose every text cell goes through
the ledger's `neutralise`: a minute starting with "=" stays text in Excel (formula injection).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from ..dashboard.tables import Report, Table, text
from ..models import Meeting
from . import agenda


def person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def _when(instant) -> str:
    return f"{timezone.localtime(instant):%Y-%m-%d %H:%M}" if instant else ""


def header_lines(meeting: Meeting) -> list[tuple[str, str]]:
    lines = [
        (_("会议类型"), str(meeting.get_kind_display())),
        (_("会议时间"), _when(meeting.held_at)),
        (_("供电单位"), str(meeting.unit)),
        (_("会议主题"), meeting.topic or "—"),
        (_("主持人"), person(meeting.chair)),
        (_("参会人员"), "、".join(person(u) for u in meeting.attendees.order_by("username"))),
        (_("记录人"), person(meeting.created_by)),
        (_("状态"), str(meeting.get_status_display())),
    ]
    if meeting.issued_at:
        lines.append((_("印发"), f"{person(meeting.issued_by)} {_when(meeting.issued_at)}"))
    if meeting.status == Meeting.Status.VOID:
        lines.append((_("作废原因"), meeting.void_reason))
    if meeting.agenda_generated_at:
        lines.append((_("议程生成时间"), _when(meeting.agenda_generated_at)))
    return lines


def minutes_table(meeting: Meeting) -> Table:
    return Table(
        "minutes",
        _("会议纪要"),
        [_("项目"), _("内容")],
        rows=[
            [text(_("客户经理反映的问题")), text(meeting.problems)],
            [text(_("会议决定")), text(meeting.decisions)],
            [text(_("会议纪要")), text(meeting.minutes)],
        ],
    )


def action_items_table(meeting: Meeting) -> Table:
    table = Table(
        "action_items",
        _("会议待办"),
        [_("待办事项"), _("责任人"), _("完成期限"), _("状态"), _("办理结果"), _("办结时间")],
    )
    for item in meeting.action_items.select_related("owner").order_by("due_on", "pk"):
        table.rows.append(
            [
                text(item.title),
                text(person(item.owner)),
                text(f"{item.due_on:%Y-%m-%d}"),
                text(item.get_status_display()),
                text(item.result),
                text(_when(item.closed_at)),
            ]
        )
    return table


def decisions_table(meeting: Meeting) -> Table:
    """Each scheme decided at the meeting, one row per member's vote."""
    table = Table(
        "scheme_decisions",
        _("供电方案集体决策"),
        [_("工单编号"), _("户名"), _("决策结果"), _("决策意见"), _("表决人"), _("部门"), _("表决")],
    )
    decisions = meeting.scheme_decisions.select_related(
        "review__application__customer"
    ).prefetch_related("votes__member")
    for decision in decisions:
        app = decision.review.application
        result = _("同意") if decision.approved else _("驳回修改")
        for vote in decision.votes.all():
            table.rows.append(
                [
                    text(app.number),
                    text(app.customer.name),
                    text(result),
                    text(decision.comment),
                    text(person(vote.member)),
                    text(vote.get_department_display()),
                    text(f"{vote.get_vote_display()}{'：' + vote.comment if vote.comment else ''}"),
                ]
            )
    return table


RECORD_KEYS = {"minutes", "action_items", "scheme_decisions"}


def split(report: Report) -> tuple[list[Table], list[Table]]:
    """(the record's own tables, the frozen agenda's), for pages that head them apart."""
    own = [t for t in report.tables if t.key in RECORD_KEYS]
    return own, [t for t in report.tables if t.key not in RECORD_KEYS]


def minutes_report(meeting: Meeting) -> Report:
    """Header, minutes, action items, decisions and votes, then the agenda as it was frozen."""
    tables = [minutes_table(meeting), action_items_table(meeting)]
    if meeting.kind == Meeting.Kind.WEEKLY:
        tables.append(decisions_table(meeting))
    return Report(
        title=_("会议纪要：%(meeting)s") % {"meeting": meeting},
        subtitle=header_lines(meeting),
        tables=tables + agenda.thaw(meeting.agenda),
        filename=f"meeting-{meeting.pk}-{timezone.localtime(meeting.held_at):%Y%m%d}.xlsx",
    )
