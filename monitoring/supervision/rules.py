"""线外流转 detection rules (DOMAIN.md §7), one plain function each, in a registry.

A rule takes its `DetectionRule` row (enabled, parameters) and `now`, and returns the cases it
finds as unsaved `SupervisionCase` rows; `monitoring.supervision.detection` saves them in bulk
with ON CONFLICT DO NOTHING on (rule, evidence_key), so a rerun, two runs at once or the signal
path and the scan finding the same callback never open a second case. Each rule asks one or two
set-based queries and leaves out the evidence that already has its case (NOT EXISTS), so a
daily run does not rebuild what earlier runs found.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import (
    CharField,
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Concat, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.models import Application, MeteringRecord
from applications.states import State
from projects.models import ProgressReport, Project

from .. import workdays
from ..models import Callback, ContactChannel, CustomerContact, DetectionRule, SupervisionCase

Finder = Callable[[DetectionRule, datetime], list[SupervisionCase]]


@dataclass(frozen=True)
class RuleSpec:
    code: str
    name: str
    description: str
    find: Finder
    parameters: dict = field(default_factory=dict)


RULES: dict[str, RuleSpec] = {}


def rule(code: str, name, description, **parameters):
    """Register a rule function under `code` with its default parameters."""

    def register(find: Finder) -> Finder:
        RULES[code] = RuleSpec(code, str(name), str(description), find, parameters)
        return find

    return register


# --- Shared pieces ------------------------------------------------------------------------------


def without_case(queryset: QuerySet, rule_row: DetectionRule, prefix: str, ref: str = "pk"):
    """Rows of `queryset` whose evidence key `prefix:<ref>` has no case of this rule yet."""
    key = Concat(Value(f"{prefix}:"), Cast(OuterRef(ref), CharField()), output_field=CharField())
    existing = SupervisionCase.objects.filter(rule=rule_row, evidence_key=key)
    return queryset.filter(~Exists(existing))


def new_case(rule_row, now, *, key: str, application: Application, text: str, **evidence):
    """An unsaved case about `application`, owned by its unit and customer manager."""
    return SupervisionCase(
        rule=rule_row,
        evidence_key=key,
        application=application,
        unit_id=application.unit_id,
        responsible_id=application.customer_manager_id,
        evidence={"application": application.number, **evidence},
        evidence_text=text,
        found_at=now,
    )


def _day(instant: datetime | None) -> str:
    return f"{timezone.localdate(instant):%Y-%m-%d}" if instant else "—"


def _state_label(application: Application) -> str:
    return State(application.state).label


# --- (a) The customer says the site is further than the system -----------------------------------


def callback_cases(rule_row, now, callbacks: QuerySet[Callback]) -> list[SupervisionCase]:
    """Cases for flagged callbacks (shared by the scan and the `off_system_suspected` path)."""
    flagged = without_case(callbacks.filter(suspected_off_system=True), rule_row, "callback")
    cases = []
    for callback in flagged.select_related("application"):
        text = _("%(kind)s（%(day)s）：%(reason)s") % {
            "kind": callback.get_kind_display(),
            "day": _day(callback.reached_at),
            "reason": callback.suspicion_reason,
        }
        cases.append(
            new_case(
                rule_row,
                now,
                key=f"callback:{callback.pk}",
                application=callback.application,
                text=text,
                callback=callback.pk,
                kind=callback.kind,
                reached_at=callback.reached_at.isoformat() if callback.reached_at else None,
                customer_reported_step=callback.customer_reported_step,
                system_state=callback.system_state,
                reasons=callback.suspicion_reason.split("；"),
            )
        )
    return cases


@rule(
    "callback_mismatch",
    gettext_lazy("回访反映进度与系统不符"),
    gettext_lazy(
        "回访中客户反映现场进度超前于系统、未申请即开工、有线外要求或不确认本人申请的，"
        "回访登记时即生成线索；本规则每日再扫描一次已标记的回访，防止遗漏。"
    ),
)
def callback_mismatch(rule_row: DetectionRule, now: datetime) -> list[SupervisionCase]:
    return callback_cases(rule_row, now, Callback.objects.all())


# --- (c) A meter went in before the system reached energization ----------------------------------


@rule(
    "meter_before_energization",
    gettext_lazy("装表早于系统送电"),
    gettext_lazy(
        "导入的装表记录中装表日期早于系统送电日期，或系统尚未送电而现场已装表（当日导入的不计，"
        "留出当天补录的时间）。"
    ),
)
def meter_before_energization(rule_row: DetectionRule, now: datetime) -> list[SupervisionCase]:
    today = timezone.localdate(now)
    early = Q(application__energized_at__isnull=False) & Q(
        installed_on__lt=TruncDate("application__energized_at")
    )
    not_energized = Q(application__energized_at__isnull=True) & Q(installed_on__lt=today)
    records = without_case(
        MeteringRecord.objects.filter(early | not_energized), rule_row, "metering"
    ).select_related("application")
    cases = []
    for record in records:
        app = record.application
        if app.energized_at:
            system = _("系统送电日期为%(day)s") % {"day": _day(app.energized_at)}
        else:
            system = _("系统尚未送电（当前环节：%(state)s）") % {"state": _state_label(app)}
        text = _("装表记录显示电能表%(meter)s已于%(day)s装表，%(system)s") % {
            "meter": record.meter_number,
            "day": f"{record.installed_on:%Y-%m-%d}",
            "system": system,
        }
        cases.append(
            new_case(
                rule_row,
                now,
                key=f"metering:{record.pk}",
                application=app,
                text=text,
                metering_record=record.pk,
                meter_number=record.meter_number,
                installed_on=record.installed_on.isoformat(),
                energized_at=app.energized_at.isoformat() if app.energized_at else None,
                system_state=app.state,
            )
        )
    return cases


# --- (d) The customer first reached us long before the system accepted ---------------------------


def first_contacts() -> Subquery:
    """The earliest contact record of an application (or of its customer, unlinked)."""
    return (
        CustomerContact.objects.filter(
            Q(application=OuterRef("pk"))
            | Q(application__isnull=True, customer=OuterRef("customer"))
        )
        .order_by("contacted_at", "pk")
        .values("pk")[:1]
    )


@rule(
    "first_contact_early",
    gettext_lazy("首次接触早于受理"),
    gettext_lazy(
        "客户首次接触（95598、网上国网、现场接触、电话、到厅）早于系统受理超过规定的工作日数"
        "（参数 working_days，默认2个工作日），说明申请可能在线外压单。"
    ),
    working_days=2,
)
def first_contact_early(rule_row: DetectionRule, now: datetime) -> list[SupervisionCase]:
    limit = rule_row.param("working_days", 2)
    candidates = without_case(
        Application.objects.annotate(first_contact=Subquery(first_contacts())).filter(
            first_contact__isnull=False
        ),
        rule_row,
        "application",
    )
    # Working days need the calendar: the SQL narrows to contacts at least `limit` calendar
    # days before acceptance (fewer cannot hold `limit` working days), Python counts exactly.
    rows = list(candidates.values("pk", "first_contact", "accepted_at"))
    contacts = CustomerContact.objects.in_bulk([row["first_contact"] for row in rows])
    early = {}
    for row in rows:
        contact = contacts[row["first_contact"]]
        if contact.contacted_at > row["accepted_at"] - timedelta(days=limit):
            continue
        days = workdays.working_days_between(
            timezone.localdate(contact.contacted_at), timezone.localdate(row["accepted_at"])
        )
        if days > limit:
            early[row["pk"]] = (contact, days)
    cases = []
    for app in Application.objects.filter(pk__in=early):
        contact, days = early[app.pk]
        text = _(
            "客户首次接触（%(channel)s，%(contact_day)s）早于系统受理（%(accept_day)s）"
            "%(days)s个工作日"
        ) % {
            "channel": contact.get_channel_display(),
            "contact_day": _day(contact.contacted_at),
            "accept_day": _day(app.accepted_at),
            "days": days,
        }
        cases.append(
            new_case(
                rule_row,
                now,
                key=f"application:{app.pk}",
                application=app,
                text=text,
                contact=contact.pk,
                channel=contact.channel,
                contacted_at=contact.contacted_at.isoformat(),
                accepted_at=app.accepted_at.isoformat(),
                working_days=days,
                limit=limit,
            )
        )
    return cases


# --- (e) The customer came back again and again ---------------------------------------------------


@rule(
    "repeated_visits",
    gettext_lazy("客户重复往返"),
    gettext_lazy(
        "同一申请的客户到厅记录达到规定次数（参数 visits，默认2次），违背“一口对外、内转外不转”。"
    ),
    visits=2,
)
def repeated_visits(rule_row: DetectionRule, now: datetime) -> list[SupervisionCase]:
    threshold = rule_row.param("visits", 2)
    visits = CustomerContact.objects.filter(
        channel=ContactChannel.COUNTER, application__isnull=False
    )
    counts = dict(
        without_case(visits, rule_row, "application", ref="application")
        .values("application")
        .annotate(n=Count("pk"))
        .filter(n__gte=threshold)
        .values_list("application", "n")
    )
    days: dict[int, list[str]] = {}
    for app_id, at in (
        visits.filter(application__in=counts)
        .order_by("contacted_at")
        .values_list("application", "contacted_at")
    ):
        days.setdefault(app_id, []).append(_day(at))
    cases = []
    for app in Application.objects.filter(pk__in=counts):
        text = _("客户为同一申请到厅%(n)s次（%(days)s）") % {
            "n": counts[app.pk],
            "days": "、".join(days[app.pk]),
        }
        cases.append(
            new_case(
                rule_row,
                now,
                key=f"application:{app.pk}",
                application=app,
                text=text,
                visits=counts[app.pk],
                visit_days=days[app.pk],
                threshold=threshold,
            )
        )
    return cases


# --- (b) The project says the works are done; the application is not even past its scheme -------

# Grid works are built after the scheme is replied (DOMAIN.md §3): an application still here
# cannot have had them built inside the system.
BEFORE_GRID_WORKS = (State.ACCEPT, State.SCHEME)


def _works_done() -> Q:
    return Q(status=Project.Status.COMPLETED) | Q(
        reports__superseded_at__isnull=True, reports__percent__gte=100
    )


@rule(
    "project_ahead",
    gettext_lazy("工程进度超前于系统环节"),
    gettext_lazy(
        "配套工程已登记竣工或进度日报达到100%，而关联的业扩申请在系统中仍处于受理或"
        "勘查及方案答复环节（含在此环节暂停）。"
    ),
)
def project_ahead(rule_row: DetectionRule, now: datetime) -> list[SupervisionCase]:
    return project_cases(rule_row, now, Project.objects.all())


def project_cases(rule_row, now, projects: QuerySet[Project]) -> list[SupervisionCase]:
    """Cases of rule (b) among `projects` (shared by the scan and the project signals' path)."""
    link = Project.applications.through
    behind = Q(application__state__in=BEFORE_GRID_WORKS) | Q(
        application__state=State.SUSPENDED, application__suspended_from__in=BEFORE_GRID_WORKS
    )
    key = Concat(
        Value("project:"),
        Cast(OuterRef("project_id"), CharField()),
        Value(":application:"),
        Cast(OuterRef("application_id"), CharField()),
        output_field=CharField(),
    )
    done = projects.filter(_works_done()).values("pk")
    latest_percent = (
        ProgressReport.objects.filter(project=OuterRef("project_id"), superseded_at__isnull=True)
        .order_by("-reported_on")
        .values("percent")[:1]
    )
    pairs = (
        link.objects.filter(behind, project__in=done)
        .filter(~Exists(SupervisionCase.objects.filter(rule=rule_row, evidence_key=key)))
        .select_related("project", "application")
        .annotate(percent=Subquery(latest_percent))
    )
    cases = []
    for pair in pairs:
        project, app = pair.project, pair.application
        text = _("配套工程%(project)s已%(done)s，申请仍在“%(state)s”") % {
            "project": project.number,
            "done": _("竣工") if project.status == Project.Status.COMPLETED else _("报进度100%"),
            "state": _state_label(app),
        }
        case = new_case(
            rule_row,
            now,
            key=f"project:{project.pk}:application:{app.pk}",
            application=app,
            text=text,
            project_number=project.number,
            project_status=project.status,
            percent=pair.percent,
            system_state=app.state,
        )
        case.project = project
        cases.append(case)
    return cases


# --- Disagreements found by a random check (抽查) ------------------------------------------------


@rule(
    "random_check",
    gettext_lazy("抽查发现系统与档案、现场不一致"),
    gettext_lazy(
        "纪检抽查或营销专项检查中，系统与纸质档案或现场不一致的明细，由检查人在抽查页面一键生成"
        "线索（每条明细只生成一条）。本规则没有定时扫描，启用与否不影响一键生成。"
    ),
)
def random_check(rule_row: DetectionRule, now: datetime) -> list[SupervisionCase]:
    # Cases come from a person's judgement (monitoring.checks.services.open_case), not a scan.
    return []


# --- The customer says so on the customer pages (线外流转 report) -------------------------------


@rule(
    "customer_report",
    gettext_lazy("客户反映线外流转"),
    gettext_lazy(
        "客户在客户网页反映被要求线外办理、线下交材料或付费的，提交即生成线索，客户原话作为证据"
        "（portal.services.feedback.report_off_record）。本规则没有定时扫描，启用与否不影响生成。"
    ),
)
def customer_report(rule_row: DetectionRule, now: datetime) -> list[SupervisionCase]:
    # Cases come from the customer's own words, not a scan.
    return []


def specs() -> Iterable[RuleSpec]:
    return RULES.values()
