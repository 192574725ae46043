"""The project-progress ledger (工程进度台账): progress reports and phase dates from Excel.

Same reader, validation pattern, preview, job and error workbook as the application ledger
(`applications.ledger`); rows are written by the services a project manager's own entries use
(`projects.services`), so the same rules hold and the same signals time the phase deadlines.

A row is one progress report: 工程编号 (a project in Yekuo), 进度(%), 进度说明 and 汇报日期, and
optionally the actual dates of the phases (设计完成日期, 物资到位日期, 开工日期, 竣工日期).
工程名称 and 项目经理 are there for the reader: 项目经理, when filled, must be the project's
manager; 工程名称 is not compared (names get edited). As with the services, only a project's
own manager reports its progress.

Re-importing a file changes nothing: a report identical to the day's current one is left alone,
a different one is a correction (the earlier report is kept as superseded, the correction
reason names the import), and a phase date already recorded must be the same date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from applications.ledger import importing
from applications.ledger.bulk import StaleLedger
from applications.ledger.cells import code_or_blank, required
from applications.ledger.columns import Column
from applications.ledger.normalise import CellError, compact, day, display, text
from applications.ledger.resources import LedgerResource, declared_fields
from applications.ledger.rows import Checked, RowError, Written
from applications.ledger.validate import ChunkedValidator
from applications.models import ImportJob
from applications.services.errors import TransitionRefused

from . import rules
from .models import ProgressReport, Project, ProjectPhase
from .services import progress, projects

Phase = ProjectPhase.Phase

PROGRESS_COLUMNS: tuple[Column, ...] = (
    Column("number", "工程编号", ("项目编号", "工程号"), True),
    Column("name", "工程名称", ("项目名称",)),
    Column("project_manager", "项目经理", ("工程负责人",)),
    Column("percent", "进度(%)", ("进度", "完成进度", "完成百分比(%)", "形象进度(%)"), True),
    Column("text", "进度说明", ("进展情况", "进度描述"), True),
    Column(Phase.DESIGN, "设计完成日期", ("设计完成",)),
    Column(Phase.MATERIAL, "物资到位日期", ("物资到位",)),
    Column(Phase.CONSTRUCTION, "开工日期", ("开工",)),
    Column(Phase.COMPLETION, "竣工日期", ("竣工",)),
    Column("reported_on", "汇报日期", ("日报日期", "填报日期", "汇报时间"), True),
)


def percent(value) -> int:
    """0–100, from 60, 60.0, "60%", "６０％" (rounded to a whole percent)."""
    s = compact(value).rstrip("%")
    try:
        number = Decimal(s)
    except InvalidOperation:
        raise CellError(
            _("应填写0到100之间的数字，而不是“%(value)s”。") % {"value": text(value)}
        ) from None
    if not 0 <= number <= 100:
        raise CellError(_("完成百分比须在 0 到 100 之间。"))
    return int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(slots=True)
class ProgressRow:
    row: int
    number: str
    project_id: int
    percent: int
    text: str
    reported_on: date
    phases: dict[str, date]  # phases to record as done (not recorded yet)
    report: str  # "new", "correct" or "same"


class ProgressResult(Written):
    """Project numbers of the rows that reported anew, corrected or changed nothing."""


class ProgressLedgerValidator(ChunkedValidator):
    columns = PROGRESS_COLUMNS

    def __init__(self, *, user, now: datetime | None = None, progress=None):
        self.user = user
        self.now = now or timezone.now()
        self.progress = progress

    def prepare(self, table) -> None:
        """The projects the file names, their phases and current reports, read once."""
        self.table = table
        self.present = frozenset(table.columns)
        self.headers = {key: table.header_of(key) for key in table.columns}
        index = table.columns["number"]
        self.numbers = [code_or_blank(cells[index]) for _n, cells in table.rows]
        self.projects = {
            p.number: p
            for p in Project.objects.filter(number__in=set(self.numbers)).select_related(
                "project_manager"
            )
        }
        ids = [p.pk for p in self.projects.values()]
        self.done: dict[tuple[int, str], date] = {
            (p, phase): on
            for p, phase, on in ProjectPhase.objects.filter(
                project_id__in=ids, actual_on__isnull=False
            ).values_list("project_id", "phase", "actual_on")
        }
        self.reports: dict[int, dict[date, tuple[int, str]]] = {}
        for p, on, pct, words in ProgressReport.objects.filter(
            project_id__in=ids, superseded_at__isnull=True
        ).values_list("project_id", "reported_on", "percent", "text"):
            self.reports.setdefault(p, {})[on] = (pct, words)
        # The file's own reports, for "a day's percent below the day before" and duplicates.
        days: dict[tuple[str, date], list[int]] = {}
        self.in_file: dict[str, dict[date, int]] = {}
        # (number, phase) → (first row giving it, its date): rows are written in file order.
        self.file_phases: dict[tuple[str, str], tuple[int, date]] = {}
        for (row_no, cells), number in zip(table.rows, self.numbers, strict=True):
            for phase in ProjectPhase.ORDER:
                if phase in table.columns:
                    try:
                        on = day(cells[table.columns[phase]])
                    except CellError:
                        on = None
                    if on and number:
                        self.file_phases.setdefault((number, phase), (row_no, on))
            try:
                on = day(cells[table.columns["reported_on"]])
                pct = percent(cells[table.columns["percent"]])
            except CellError:
                continue
            if number and on:
                days.setdefault((number, on), []).append(row_no)
                self.in_file.setdefault(number, {})[on] = pct
        self.repeated = {key: rows for key, rows in days.items() if len(rows) > 1}

    def validate_chunk(self, chunk) -> Checked:
        checked = Checked()
        for row_no, cells in chunk:
            errors: list[RowError] = []
            row = self._check(row_no, cells, errors)
            if errors:
                checked.errors.extend(errors)
                checked.bad.append((row_no, cells))
            else:
                checked.rows.append(row)
        return checked

    def _check(self, row_no: int, cells: list, errors: list[RowError]) -> ProgressRow | None:
        columns = self.table.columns

        def refuse(key, reason):
            errors.append(RowError(row_no, self.headers[key], display(cells[columns[key]]), reason))

        def cell(key, convert):
            if key not in columns:
                return None
            problem = self.table.problems.get((row_no, columns[key]))
            if problem:
                return refuse(key, problem)
            try:
                return convert(cells[columns[key]])
            except CellError as exc:
                return refuse(key, str(exc))

        number = cell("number", required(code_or_blank))
        pct = cell("percent", percent)
        words = cell("text", required(text))
        reported_on = cell("reported_on", required(day))
        phases = {phase: cell(phase, day) for phase in ProjectPhase.ORDER}
        project = self.projects.get(number) if number else None
        if number and project is None:
            refuse("number", _("系统中没有这个工程编号。"))
        if project is None or errors:
            return None
        refused = rules.manager_refusal(self.user, project, "report_progress")
        if refused:
            refuse("number", refused)
        if project.status == Project.Status.CANCELLED:
            refuse("number", _("工程已撤销，不能填报进度。"))
        manager = text(cells[columns["project_manager"]]) if "project_manager" in columns else ""
        user = project.project_manager
        if manager and manager not in (user.get_full_name(), user.get_username()):
            refuse(
                "project_manager",
                _("与系统不符：本工程的项目经理是%(name)s。")
                % {"name": user.get_full_name() or user.get_username()},
            )
        today = timezone.localdate(self.now)
        if reported_on > today:
            refuse("reported_on", _("不能填报未来日期的进度。"))
        repeated = self.repeated.get((number, reported_on))
        if repeated:
            others = "、".join(str(r) for r in repeated if r != row_no)
            refuse(
                "reported_on",
                _("同一工程同一天的进度在文件中重复出现（另见第%(rows)s行）。") % {"rows": others},
            )
        to_record = self._phases(row_no, project, phases, today, refuse)
        current = self.reports.get(project.pk, {})
        same_day = current.get(reported_on)
        earlier = {on: p for on, (p, _w) in current.items() if on < reported_on}
        earlier.update(
            {on: p for on, p in self.in_file.get(number, {}).items() if on < reported_on}
        )
        if same_day is None and earlier:
            last = max(earlier)
            if pct < earlier[last]:
                refuse(
                    "percent",
                    _("完成百分比低于%(day)s的%(percent)s%%，进度回退须填写原因。")
                    % {"day": last, "percent": earlier[last]},
                )
        if errors:
            return None
        report = "new" if same_day is None else "same" if same_day == (pct, words) else "correct"
        return ProgressRow(row_no, number, project.pk, pct, words, reported_on, to_record, report)

    def _phases(self, row_no, project, phases: dict, today: date, refuse) -> dict[str, date]:
        """The phase dates of a row still to be recorded (by an earlier row or before)."""
        to_record = {}
        for position, phase in enumerate(ProjectPhase.ORDER):
            on = phases[phase]
            if on is None:
                continue
            recorded = self.done.get((project.pk, phase))
            first_row, first_on = self.file_phases.get((project.number, phase), (row_no, on))
            if recorded is None and first_row < row_no:
                recorded = first_on  # an earlier row of the file records it
            if recorded is not None:
                if recorded != on:
                    refuse(
                        phase,
                        _("“%(phase)s”已登记于%(on)s完成。")
                        % {"phase": Phase(phase).label, "on": recorded},
                    )
                continue
            if on > today:
                refuse(phase, _("实际完成日期不能晚于今天。"))
                continue
            missing = [
                str(Phase(p).label)
                for p in ProjectPhase.ORDER[:position]
                if (project.pk, p) not in self.done
                and phases[p] is None
                and self.file_phases.get((project.number, p), (row_no + 1,))[0] >= row_no
            ]
            if missing:
                names = "、".join(missing)
                refuse(phase, _("须先登记前序节点：%(names)s。") % {"names": names})
            to_record[phase] = on
        return to_record


@dataclass
class ProgressWriter:
    """Each row through the services, inside the import's one transaction."""

    present: frozenset[str]
    user: object
    now: datetime
    reason: str
    job_id: int | None = None

    def begin(self, numbers=()) -> None:
        self.projects: dict[int, Project] = {}

    def finish(self) -> None:
        pass

    def write_chunk(self, rows: list[ProgressRow]) -> ProgressResult:
        result = ProgressResult()
        for row in rows:
            project = self.projects.get(row.project_id) or Project.objects.get(pk=row.project_id)
            self.projects[row.project_id] = project
            try:
                for phase, on in row.phases.items():
                    projects.record_phase_done(
                        user=self.user, project=project, phase=phase, actual_on=on, at=self.now
                    )
                if row.report != "same":
                    progress.report_progress(
                        user=self.user,
                        project=project,
                        percent=row.percent,
                        text=row.text,
                        reported_on=row.reported_on,
                        correction_reason=self.reason if row.report == "correct" else "",
                        at=self.now,
                    )
            except TransitionRefused as exc:  # someone changed the project since validation
                raise StaleLedger(row.number) from exc
            bucket = (
                result.created
                if row.report == "new"
                else result.updated
                if row.report == "correct" or row.phases
                else result.unchanged
            )
            bucket.append(row.number)
        return result


importing.register(
    ImportJob.Kind.PROGRESS,
    importing.LedgerKind(
        PROGRESS_COLUMNS, ProgressLedgerValidator, ProgressWriter, ProgressResult, False
    ),
)


def progress_rows(queryset):
    """Each project's current progress as a ledger row (export; it imports unchanged)."""
    projects_ = list(queryset.select_related("project_manager").order_by("number"))
    ids = [p.pk for p in projects_]
    done: dict[int, dict[str, date]] = {}
    for p, phase, on in ProjectPhase.objects.filter(
        project_id__in=ids, actual_on__isnull=False
    ).values_list("project_id", "phase", "actual_on"):
        done.setdefault(p, {})[phase] = on
    latest = {}
    for p, on, pct, words in (
        ProgressReport.objects.filter(project_id__in=ids, superseded_at__isnull=True)
        .order_by("project_id", "reported_on")
        .values_list("project_id", "reported_on", "percent", "text")
    ):
        latest[p] = (on, pct, words)
    for project in projects_:
        on, pct, words = latest.get(project.pk, (None, project.progress_percent, ""))
        manager = project.project_manager
        yield {
            "number": project.number,
            "name": project.name,
            "project_manager": manager.get_full_name() or manager.get_username(),
            "percent": pct,
            "text": words,
            **{phase: done.get(project.pk, {}).get(phase) for phase in ProjectPhase.ORDER},
            "reported_on": on,
        }


class _ProgressRows:
    def rows(self, queryset, *, masked: bool):
        # The progress ledger holds no identity or phone numbers: nothing to mask.
        return progress_rows(queryset)


# Built with type() so that import-export's metaclass sees one declared Field per column.
ProgressLedgerResource = type(
    "ProgressLedgerResource",
    (_ProgressRows, LedgerResource),
    {
        "__module__": __name__,
        "__doc__": "工程进度台账: progress reports and phase dates per 工程编号.",
        "kind": ImportJob.Kind.PROGRESS,
        "columns": PROGRESS_COLUMNS,
        **declared_fields(PROGRESS_COLUMNS),
    },
)
