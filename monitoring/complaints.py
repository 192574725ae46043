"""Complaints (投诉) and confidential reports (举报): receipt, assignment, reply, close, withdraw.

Every complaint runs a handling clock (a `Deadline` of kind COMPLAINT) from receipt: answered
within `ComplaintPolicy.reply_working_days` working days (10 by default, 《供电监管办法》), so
the sweep warns, alerts and escalates it like a stage. The reply stops it (met or breached), a
withdrawal cancels it. Staff entry, the customer pages and the 95598 API all go through
`receive_complaint`; the admin calls the other services. Each refuses an illegal step with a
`TransitionRefused` that says why.

Who sees what (one place): a 举报 only with `view_report` (纪检, 主管); its reporter's identity
only with `view_reporter_identity` held through a role (纪检) — `sees_reporter`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import rules
from applications.services.errors import TransitionRefused

from . import deadlines
from .models import Complaint, ComplaintPolicy, Deadline
from .models.complaints import DEFAULT_REPLY_WORKING_DAYS
from .models.policy import LimitUnit
from .routines.discipline import is_handed_over, sees_discipline_matters
from .supervision.scope import holds_permission

Kind, Status = Complaint.Kind, Complaint.Status
NUMBER_PREFIX = {Kind.COMPLAINT: "TS", Kind.REPORT: "JB"}
REPORTER_FIELDS = ("reporter_name", "reporter_phone", "reporter_contact")
# A clock skew allowance: an external system's receipt instant may run a little ahead of ours.
FUTURE_TOLERANCE = timedelta(minutes=5)

# --- Who sees what ----------------------------------------------------------------------------


def sees_reports(user) -> bool:
    """Whether the user may see 举报 at all (纪检 and 主管)."""
    return user.is_active and user.has_perm("monitoring.view_report")


def sees_reporter(user) -> bool:
    """Whether the user may see who made a report: the permission held through a role or
    granted to the user. Superuser status alone does not give it (only 纪检 sees reporters)."""
    return holds_permission(user, "view_reporter_identity")


def visible_complaints(user, queryset: QuerySet[Complaint] | None = None) -> QuerySet[Complaint]:
    """The complaints the user may see: their units' (all for 主管/纪检), 举报 only if allowed."""
    queryset = Complaint.objects.all() if queryset is None else queryset
    if not user.has_perm("monitoring.view_complaint"):
        return queryset.none()
    queryset = rules.scope_to_user(queryset, user, unit_field="unit")
    if not sees_discipline_matters(user):  # handed over to 纪检: theirs alone from then on
        queryset = queryset.filter(discipline_handover__isnull=True)
    return queryset if sees_reports(user) else queryset.exclude(kind=Kind.REPORT)


def visible_deadlines(user, queryset: QuerySet, *, path: str = "") -> QuerySet:
    """Deadlines (or rows reaching one by `path`, e.g. alerts: "deadline") less the clocks of
    complaints the user may not see (reports; matters handed over to 纪检), so that their
    existence shows nowhere else either."""
    hidden = Q()
    if not sees_reports(user):
        hidden |= Q(kind=Kind.REPORT)
    if not sees_discipline_matters(user):
        hidden |= Q(discipline_handover__isnull=False)
    if not hidden:
        return queryset
    prefix = f"{path}__" if path else ""
    return queryset.exclude(
        **{
            f"{prefix}content_type": ContentType.objects.get_for_model(Complaint),
            f"{prefix}object_id__in": Complaint.objects.filter(hidden).values("pk"),
        }
    )


def reporter_identity(complaint: Complaint, user) -> dict[str, str] | None:
    """The reporter's name, phone and contact for a user allowed to see them, else None."""
    if not complaint.is_report or not sees_reporter(user):
        return None
    return {field: getattr(complaint, field) for field in REPORTER_FIELDS}


# --- Guards -----------------------------------------------------------------------------------


def refusal(user, complaint: Complaint, codename: str) -> str | None:
    """Why this user may not act (needing `monitoring.<codename>`) on this complaint."""
    if not user.is_active:
        return _("账号已停用。")
    if not user.has_perm(f"monitoring.{codename}"):
        label = dict(Complaint._meta.permissions).get(codename, codename)
        return _("您没有“%(perm)s”的权限。") % {"perm": label}
    if complaint.is_report and not sees_reports(user):
        return _("举报只能由纪检、主管办理。")
    if is_handed_over(complaint) and not sees_discipline_matters(user):
        return _("该%(kind)s已移交纪检，只能由纪检办理。") % {"kind": complaint.get_kind_display()}
    if not rules.in_scope(user, complaint):
        return _("该投诉属于%(unit)s，您只能办理本单位的业务。") % {"unit": complaint.unit}
    return None


def _status_refusal(complaint: Complaint, allowed: tuple[str, ...], action: str) -> str | None:
    if complaint.status in allowed:
        return None
    return _("该%(kind)s已是“%(status)s”，不能%(action)s。") % {
        "kind": complaint.get_kind_display(),
        "status": complaint.get_status_display(),
        "action": action,
    }


def _instant_problems(at: datetime, complaint: Complaint) -> list[str]:
    if at > timezone.now() + FUTURE_TOLERANCE:
        return [_("时间不能晚于当前时间。")]
    if at < complaint.received_at:
        return [_("时间不能早于受理时间。")]
    return []


def _raise(problems: list[str | None]) -> None:
    problems = [p for p in problems if p]
    if problems:
        raise TransitionRefused(problems)


def _locked(complaint: Complaint) -> Complaint:
    # Lock the complaint only, not the unit row joined for the scope check.
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("unit")
        .get(pk=complaint.pk)
    )


# --- The handling clock -----------------------------------------------------------------------


def reply_working_days(kind: str) -> int:
    """The reply limit in force for new complaints of this kind (ComplaintPolicy, else 10)."""
    days = ComplaintPolicy.objects.filter(kind=kind).values_list("reply_working_days", flat=True)
    return days.first() or DEFAULT_REPLY_WORKING_DAYS


def _start_clock(complaint: Complaint) -> Deadline:
    # Restarted with the same start and limit when the handler changes: only the responsible
    # moves, the due stays (and alerts are unique per due, so none is raised twice).
    return deadlines.start(
        complaint,
        Deadline.Kind.COMPLAINT,
        label=str(complaint),
        unit=complaint.unit,
        responsible=complaint.handler,
        started_at=complaint.received_at,
        limit=(complaint.reply_working_days, LimitUnit.WORKING_DAYS),
        # A report stays off the application's page, which its subject's colleagues read.
        application=None if complaint.is_report else complaint.application,
    )


# --- Receipt ----------------------------------------------------------------------------------


def _receipt_problems(kind, channel, category, content, customer, application, reporter, by):
    problems = []
    if kind not in Kind.values:
        problems.append(_("未知的类型：%(value)s。") % {"value": kind})
    if channel not in Complaint.Channel.values:
        problems.append(_("未知的来源渠道：%(value)s。") % {"value": channel})
    if category not in Complaint.Category.values:
        problems.append(_("未知的问题分类：%(value)s。") % {"value": category})
    if not content.strip():
        problems.append(_("请填写诉求内容。"))
    if kind == Kind.COMPLAINT and customer is None:
        problems.append(_("投诉须关联客户。"))
    if kind == Kind.COMPLAINT and any(reporter.values()):
        problems.append(_("只有举报登记举报人身份，投诉请关联客户。"))
    if application is not None and customer is not None and application.customer_id != customer.pk:
        problems.append(_("业扩申请%(number)s不是该客户的申请。") % {"number": application.number})
    if by is not None:
        if not by.is_active or not by.has_perm("monitoring.add_complaint"):
            problems.append(_("您没有登记投诉举报的权限。"))
        elif kind == Kind.REPORT and not sees_reports(by):
            problems.append(_("举报只能由纪检、主管受理登记。"))
    return problems


def _next_number(kind: str, received_at: datetime) -> str:
    prefix = f"{NUMBER_PREFIX[kind]}{timezone.localdate(received_at):%Y%m%d}"
    last = (
        Complaint.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return f"{prefix}{int(last[len(prefix) :]) + 1 if last else 1:04d}"


def _existing(channel: str, external_ref: str) -> Complaint | None:
    if not external_ref:
        return None
    return Complaint.objects.filter(channel=channel, external_ref=external_ref).first()


@transaction.atomic
def receive_complaint(
    *,
    kind: str,
    channel: str,
    received_at: datetime,
    content: str,
    category: str = Complaint.Category.OTHER,
    unit=None,
    customer=None,
    application=None,
    staff_concerned=None,
    external_ref: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    reporter_contact: str = "",
    by=None,
) -> tuple[Complaint, bool]:
    """Record a complaint or report and start its handling clock; returns (complaint, created).

    Idempotent by `external_ref` (e.g. the 95598 work-order number) within a channel: the same
    reference returns the record made the first time, unchanged. `by` is the staff member who
    enters it (None for an external system). The customer defaults to the application's; the
    unit concerned to the application's, then the customer's. Raises TransitionRefused with the
    reasons for an illegal receipt.
    """
    external_ref = external_ref.strip()
    if customer is None and application is not None:
        customer = application.customer
    existing = _existing(channel, external_ref)
    if existing is not None:
        return existing, False
    if unit is None:
        unit = application.unit if application is not None else getattr(customer, "unit", None)
    reporter = {
        "reporter_name": reporter_name.strip(),
        "reporter_phone": reporter_phone.strip(),
        "reporter_contact": reporter_contact.strip(),
    }
    problems = _receipt_problems(
        kind, channel, category, content, customer, application, reporter, by
    )
    if unit is None:
        problems.append(_("请指定被投诉单位。"))
    elif by is not None and not rules.in_scope(by, _UnitSubject(unit)):
        problems.append(_("%(unit)s不是您的单位，不能为其登记。") % {"unit": unit})
    if received_at > timezone.now() + FUTURE_TOLERANCE:
        problems.append(_("受理时间不能晚于当前时间。"))
    _raise(problems)
    complaint = Complaint(
        kind=kind,
        channel=channel,
        external_ref=external_ref,
        received_at=received_at,
        content=content.strip(),
        category=category,
        unit=unit,
        customer=customer,
        application=application,
        staff_concerned=staff_concerned,
        reply_working_days=reply_working_days(kind),
        created_by=by,
        **reporter,
    )
    for _attempt in range(5):
        complaint.number = _next_number(kind, received_at)
        try:
            with transaction.atomic():
                complaint.save()
            break
        except IntegrityError:
            # A concurrent receipt took the number, or the same external reference: re-read.
            existing = _existing(channel, external_ref)
            if existing is not None:
                return existing, False
    else:
        raise TransitionRefused(_("编号冲突，请重试。"))
    _start_clock(complaint)
    return complaint, True


class _UnitSubject(NamedTuple):
    """A unit in the shape `rules.in_scope` reads (unit_id, unit.parent_id)."""

    unit: object

    @property
    def unit_id(self):
        return self.unit.pk


# --- Handling ---------------------------------------------------------------------------------


@transaction.atomic
def assign(complaint: Complaint, *, by, handler) -> Complaint:
    """Give the complaint to a handler (承办人); their deadline alerts follow them."""
    complaint = _locked(complaint)
    problems = [
        refusal(by, complaint, "assign_complaint"),
        _status_refusal(complaint, Complaint.OPEN_STATUSES, _("分派")),
    ]
    if handler is None or not handler.is_active:
        problems.append(_("请选择在岗的承办人。"))
    elif not handler.has_perm("monitoring.handle_complaint"):
        problems.append(_("%(name)s没有处理投诉举报的权限。") % {"name": _name(handler)})
    elif complaint.is_report and not sees_reports(handler):
        problems.append(_("举报只能交由纪检、主管承办。"))
    elif not rules.in_scope(handler, complaint):
        problems.append(
            _("%(name)s不属于%(unit)s。") % {"name": _name(handler), "unit": complaint.unit}
        )
    _raise(problems)
    complaint.handler = handler
    complaint.status = Status.HANDLING
    complaint.save(update_fields=["handler", "status"])
    _start_clock(complaint)
    return complaint


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


@transaction.atomic
def reply(complaint: Complaint, *, by, text: str, at: datetime) -> Complaint:
    """Record the outcome told to the customer; the clock stops, met or breached."""
    complaint = _locked(complaint)
    problems = [
        refusal(by, complaint, "handle_complaint"),
        _status_refusal(complaint, (Status.HANDLING,), _("答复")),
    ]
    if complaint.status == Status.RECEIVED:
        problems.append(_("请先分派承办人。"))
    elif by.pk != complaint.handler_id and not by.has_perm("monitoring.assign_complaint"):
        problems.append(
            _("只有承办人%(name)s或主管可以答复。") % {"name": _name(complaint.handler)}
        )
    if not text.strip():
        problems.append(_("请填写处理结果及答复内容。"))
    _raise(problems + _instant_problems(at, complaint))
    complaint.reply = text.strip()
    complaint.replied_at = at
    complaint.status = Status.REPLIED
    complaint.save(update_fields=["reply", "replied_at", "status"])
    deadlines.finish(complaint, at=at)
    return complaint


@transaction.atomic
def close(complaint: Complaint, *, by, feedback: str, comment: str = "", at: datetime) -> Complaint:
    """Close a replied complaint with the customer's feedback (满意/基本满意/不满意)."""
    complaint = _locked(complaint)
    problems = [
        refusal(by, complaint, "handle_complaint"),
        _status_refusal(complaint, (Status.REPLIED,), _("办结")),
    ]
    if feedback not in Complaint.Feedback.values:
        problems.append(_("请选择客户评价：满意、基本满意或不满意。"))
    elif feedback == Complaint.Feedback.DISSATISFIED and not comment.strip():
        problems.append(_("客户不满意时，请记录客户意见。"))
    _raise(problems + _instant_problems(at, complaint))
    complaint.feedback = feedback
    complaint.feedback_comment = comment.strip()
    complaint.closed_at = at
    complaint.status = Status.CLOSED
    complaint.save(update_fields=["feedback", "feedback_comment", "closed_at", "status"])
    return complaint


@transaction.atomic
def withdraw(complaint: Complaint, *, by, reason: str, at: datetime) -> Complaint:
    """The customer withdraws an unanswered complaint; its clock is cancelled, not judged.

    `by` None: withdrawn through an external system (the caller audits it).
    """
    complaint = _locked(complaint)
    problems = [_status_refusal(complaint, Complaint.OPEN_STATUSES, _("撤回"))]
    if by is not None:
        problems.insert(0, refusal(by, complaint, "handle_complaint"))
    if not reason.strip():
        problems.append(_("请填写撤回原因。"))
    _raise(problems + _instant_problems(at, complaint))
    complaint.withdrawn_at = at
    complaint.withdraw_reason = reason.strip()[:200]
    complaint.status = Status.WITHDRAWN
    complaint.save(update_fields=["withdrawn_at", "withdraw_reason", "status"])
    deadlines.cancel(complaint, at=at, reason=_("已撤回：%(reason)s") % {"reason": reason})
    return complaint


# --- Reading ----------------------------------------------------------------------------------


def overdue_q(at: datetime | None = None) -> Exists:
    """Complaints whose handling clock is open and past due at `at` (default: now)."""
    return Exists(
        Deadline.objects.filter(
            content_type=ContentType.objects.get_for_model(Complaint),
            object_id=OuterRef("pk"),
            outcome=Deadline.Outcome.OPEN,
            due_at__lte=at or timezone.now(),
        )
    )


class Tally(NamedTuple):
    complaints: int  # 投诉, not withdrawn
    reports: int  # 举报, not withdrawn: show only to those who may see reports
    withdrawn: int
    replied_late: int  # answered after the due (clock breached)


class Counts(NamedTuple):
    units: dict[int, Tally]  # unit id → tally (units with none are absent)
    staff: dict[int, Tally]  # staff member concerned (user id) → tally


def counts(units, start: datetime, end: datetime, *, among: QuerySet | None = None) -> Counts:
    """Complaints received in [start, end) about these units (and their staff), counted per
    unit and per staff member concerned; for the dashboard and the assessments.

    `among`: the complaints to count (default all); the dashboard passes the user's
    `visible_complaints`, so a matter handed over to 纪检 is not counted for anyone else.
    """
    breached = Exists(
        Deadline.objects.filter(
            content_type=ContentType.objects.get_for_model(Complaint),
            object_id=OuterRef("pk"),
            outcome=Deadline.Outcome.BREACHED,
        )
    )
    live = ~Q(status=Status.WITHDRAWN)
    tally = {
        "n_complaints": Count("pk", filter=live & Q(kind=Kind.COMPLAINT)),
        "n_reports": Count("pk", filter=live & Q(kind=Kind.REPORT)),
        "n_withdrawn": Count("pk", filter=Q(status=Status.WITHDRAWN)),
        "n_late": Count("pk", filter=breached),
    }
    among = Complaint.objects.all() if among is None else among
    received = among.filter(unit__in=units, received_at__gte=start, received_at__lt=end)

    def per(field: str) -> dict[int, Tally]:
        rows = received.exclude(**{f"{field}__isnull": True}).values(field).annotate(**tally)
        return {
            row[field]: Tally(
                row["n_complaints"], row["n_reports"], row["n_withdrawn"], row["n_late"]
            )
            for row in rows.order_by(field)
        }

    return Counts(units=per("unit"), staff=per("staff_concerned"))


class MonthTally(NamedTuple):
    period: date  # the month's first day
    unit: str
    staff: str  # "" for a unit's row
    tally: Tally


def monthly_tallies(units, first: date, last: date, *, among: QuerySet | None = None) -> dict:
    """`counts` month by month from `first`'s month to `last`'s (inclusive), for the
    assessments' 考核汇总 beside the points: {"per_unit": [MonthTally…], "per_person": […]}."""
    from applications.admin.scoping import staff_label
    from applications.models import Unit

    from .dashboard.filters import Period

    User = get_user_model()
    per_unit, per_person = [], []
    month = first.replace(day=1)
    while month <= last:
        period = Period.month(month.year, month.month)
        tallied = counts(units, period.since, period.until, among=among)
        names = dict(Unit.objects.filter(pk__in=tallied.units).values_list("pk", "name"))
        for unit_id, tally in sorted(tallied.units.items(), key=lambda kv: names[kv[0]]):
            per_unit.append(MonthTally(month, names[unit_id], "", tally))
        people = User.objects.filter(pk__in=tallied.staff).select_related("staff_profile__unit")
        rows = []
        for person in people:
            profile = getattr(person, "staff_profile", None)
            unit = profile.unit.name if profile else ""
            rows.append(MonthTally(month, unit, staff_label(person), tallied.staff[person.pk]))
        per_person += sorted(rows, key=lambda r: (r.unit, r.staff))
        month = period.end + timedelta(days=1)
    return {"per_unit": per_unit, "per_person": per_person}
