"""What the customer tells the company: a rating, a 线外流转 report, a complaint or 举报."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from applications.models import Application
from applications.services.errors import TransitionRefused
from applications.states import State
from monitoring.complaints import receive_complaint
from monitoring.models import Complaint, DetectionRule, SupervisionCase
from monitoring.models.supervision import CaseSource
from monitoring.supervision.detection import save_cases
from monitoring.supervision.rules import new_case

from ..models import ServiceRating

RULE_CODE = "customer_report"
MAX_TEXT = 2000


def rating_refusal(application: Application) -> str | None:
    """Why this application cannot be rated now (None: it can)."""
    if application.energized_at is None or application.state == State.CANCELLED:
        return _("送电后才能评价服务。")
    if ServiceRating.objects.filter(application=application).exists():
        return _("该工单已评价过，每个工单只能评价一次。")
    return None


def rate(
    application: Application, *, score: int, comment: str = "", at: datetime | None = None
) -> ServiceRating:
    """Record the customer's rating (1–5 and a comment), once, after energization."""
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise TransitionRefused(_("评分须为1–5分。"))
    reason = rating_refusal(application)
    if reason:
        raise TransitionRefused(reason)
    try:
        with transaction.atomic():
            return ServiceRating.objects.create(
                application=application,
                unit_id=application.unit_id,
                score=score,
                comment=comment.strip()[:MAX_TEXT],
                rated_at=at or timezone.now(),
            )
    except IntegrityError as exc:  # a second submission at the same moment
        raise TransitionRefused(_("该工单已评价过，每个工单只能评价一次。")) from exc


def report_off_record(
    application: Application, *, words: str, at: datetime | None = None
) -> SupervisionCase:
    """The customer says work was asked of them off the record (线外流转): a supervision case
    of rule "customer_report", the customer's own words as its evidence.

    Opened whether or not the rule is enabled (the rule has no scan; it only names the cases).
    """
    words = words.strip()
    if not words:
        raise TransitionRefused(_("请填写您遇到的情况。"))
    at = at or timezone.now()
    rule_row = DetectionRule.objects.get(code=RULE_CODE)
    key = f"portal:{uuid.uuid4().hex}"
    # Evidence is stored in the site's language, whatever the customer's browser asked for.
    with translation.override(settings.LANGUAGE_CODE):
        case = new_case(
            rule_row,
            at,
            key=key,
            application=application,
            text=_("客户在客户网页反映被要求线外办理：%(words)s") % {"words": words[:MAX_TEXT]},
            customer_words=words[:MAX_TEXT],
            channel="customer_page",
            reported_at=at.isoformat(),
            system_state=application.state,
        )
    case.source = CaseSource.CUSTOMER_REPORT
    save_cases([case])
    return rule_row.cases.get(evidence_key=key)


def complain(
    application: Application,
    *,
    kind: str,
    category: str,
    content: str,
    reporter_name: str = "",
    reporter_phone: str = "",
    at: datetime | None = None,
) -> Complaint:
    """A 投诉 or 举报 from the customer pages, with its handling clock (monitoring.complaints).

    A 投诉 is the customer's own, linked to the application. A 举报 is linked to the unit only:
    the application would name the reporter to every 举报 handler, so its number goes with the
    reporter's identity, which only 纪检 sees.
    """
    common = {
        "kind": kind,
        "channel": Complaint.Channel.CUSTOMER_PAGE,
        "received_at": at or timezone.now(),
        "content": content[:MAX_TEXT],
        "category": category,
    }
    if kind == Complaint.Kind.REPORT:
        with translation.override(settings.LANGUAGE_CODE):
            contact = _("客户网页举报，关联工单%(number)s") % {"number": application.number}
        complaint, _created = receive_complaint(
            **common,
            unit=application.unit,
            reporter_name=reporter_name,
            reporter_phone=reporter_phone,
            reporter_contact=contact,
        )
    else:
        complaint, _created = receive_complaint(**common, application=application)
    return complaint
