"""Demo supervision data (called by `load_demo`): evidence for four rules, the rules run, and
one issued letter with an assessment — through the same services people use.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from applications.models import Application, MeteringRecord, StaffProfile
from applications.states import State

from ..callbacks import record_outcome
from ..models import Callback, ContactChannel, CustomerContact, SupervisionCase, SupervisionLetter
from . import assessments, detection, letters


def _contact(app, channel, at, note, reference=""):
    CustomerContact.objects.create(
        application=app,
        customer=app.customer,
        unit=app.unit,
        channel=channel,
        contacted_at=at,
        note=note,
        reference=reference,
    )


@transaction.atomic
def load(*, inspector, supervisor, now=None) -> list[str]:
    """Create the demo's supervision rows once; returns what was done, in words."""
    if SupervisionLetter.objects.exists():
        return ["监督演示数据已存在，未重复载入。"]
    now = now or timezone.now()
    apps = Application.objects.select_related("customer", "unit").order_by("pk")
    in_scheme = list(apps.filter(state=State.SCHEME)[:3])
    energized = apps.filter(energized_at__isnull=False).first()
    done = []
    if len(in_scheme) >= 3:
        visits, early, meter_app = in_scheme
        for days in (6, 3):
            _contact(
                visits,
                ContactChannel.COUNTER,
                visits.accepted_at + timedelta(days=days),
                "补交资料",
            )
        _contact(
            early,
            ContactChannel.HOTLINE,
            early.accepted_at - timedelta(days=9),
            "来电咨询新装",
            reference=f"95598-{early.pk:06d}",
        )
        MeteringRecord.objects.create(
            application=meter_app,
            meter_number=f"33010{meter_app.pk:07d}",
            installed_on=timezone.localdate(now) - timedelta(days=2),
            imported_at=now,
        )
        done.append("到厅、95598、装表记录各1组")
    if energized:
        MeteringRecord.objects.create(
            application=energized,
            meter_number=f"33011{energized.pk:07d}",
            installed_on=timezone.localdate(energized.energized_at) - timedelta(days=3),
            imported_at=now,
        )
    first = (
        Callback.objects.open()
        .filter(kind=Callback.Kind.FIRST, assigned_to__isnull=False)
        .select_related("assigned_to")
        .first()
    )
    if first:
        record_outcome(
            first, first.assigned_to, reached=True, at=now, customer_confirmed_applied=False
        )
    found = detection.run_rules(now=now)
    done.append(f"识别规则新增线索：{found}")

    visit_case = SupervisionCase.objects.filter(rule__code="repeated_visits").first()
    if visit_case and visit_case.responsible_id:
        letter = letters.draft_letter(
            user=inspector,
            unit=visit_case.unit,
            category="repeated_visits",
            findings=visit_case.evidence_text + "，违反“一口对外、内转外不转”。",
            requirements="一次性告知客户所需资料，建立容缺受理台账。",
            rectification_due=timezone.localdate(now) + timedelta(days=10),
            responsible_staff=[visit_case.responsible],
            cases=[visit_case],
            at=now,
        )
        letter = letters.issue_letter(letter, inspector, at=now)
        staff = visit_case.responsible
        if StaffProfile.objects.filter(user=staff).exists():
            assessments.create_assessment(
                user=supervisor,
                staff=staff,
                points=Decimal("2"),
                amount=Decimal("200"),
                reason="客户重复往返，未一次性告知",
                period=timezone.localdate(now),
                letter=letter,
                at=now,
            )
        done.append(f"监督意见书 {letter.number} 及考核1人次")
    return done
