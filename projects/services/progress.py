"""Daily progress reports: only the project's manager reports, one report a day per project;
a second report for the same day is a correction that supersedes the first (kept for the
record)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.services.errors import TransitionRefused

from .. import rules, signals
from ..models import ProgressReport, Project


@transaction.atomic
def report_progress(
    *,
    user,
    project: Project,
    percent: int,
    text: str,
    reported_on: date | None = None,
    photo=None,
    correction_reason: str = "",
    at=None,
) -> ProgressReport:
    """Record the day's progress of `project` by its manager.

    If the day already has a report, `correction_reason` must say why it is corrected; the
    earlier report is marked superseded. Percent may go down only in a correction (a report
    that goes backwards on a new day is a slip worth a reason too).
    """
    at = at or timezone.now()
    today = timezone.localdate(at)
    reported_on = reported_on or today
    locked = Project.objects.select_for_update().get(pk=project.pk)
    refused = rules.manager_refusal(user, locked, "report_progress")
    if refused:
        raise TransitionRefused(refused)
    reasons = []
    if locked.status == Project.Status.CANCELLED:
        reasons.append(_("工程已撤销，不能填报进度。"))
    if not 0 <= percent <= 100:
        reasons.append(_("完成百分比须在 0 到 100 之间。"))
    if reported_on > today:
        reasons.append(_("不能填报未来日期的进度。"))
    if not text.strip():
        reasons.append(_("请填写进度说明。"))
    current = ProgressReport.objects.filter(
        project=locked, reported_on=reported_on, superseded_at__isnull=True
    ).first()
    if current and not correction_reason.strip():
        reasons.append(
            _("%(day)s已填报进度日报（%(percent)s%%），如需更正请填写更正原因。")
            % {"day": reported_on, "percent": current.percent}
        )
    previous = (
        ProgressReport.objects.filter(
            project=locked, reported_on__lt=reported_on, superseded_at__isnull=True
        )
        .order_by("-reported_on")
        .first()
    )
    if previous and percent < previous.percent and not correction_reason.strip():
        reasons.append(
            _("完成百分比低于%(day)s的%(percent)s%%，进度回退须填写原因。")
            % {"day": previous.reported_on, "percent": previous.percent}
        )
    if reasons:
        raise TransitionRefused(reasons)
    if current:
        current.superseded_at = at
        current.save(update_fields=["superseded_at"])
    report = ProgressReport.objects.create(
        project=locked,
        reported_on=reported_on,
        percent=percent,
        text=text.strip(),
        photo=photo or "",
        reporter=user,
        reported_at=at,
        correction_reason=correction_reason.strip(),
    )
    latest = (
        ProgressReport.objects.filter(project=locked, superseded_at__isnull=True)
        .order_by("-reported_on")
        .first()
    )
    Project.objects.filter(pk=locked.pk).update(
        progress_percent=latest.percent, progress_reported_on=latest.reported_on
    )
    signals.progress_reported.send(
        sender=Project,
        project=locked,
        report=report,
        corrected=current is not None,
        actor=user,
        at=at,
    )
    return report
