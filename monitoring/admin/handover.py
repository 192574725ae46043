"""The 移交纪检 button on a supervision case's or a complaint's page (`admin/routines.py` has
the page it opens and 纪检's queue)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from ..models import SupervisionCase
from ..routines import discipline
from ..supervision.scope import in_unit_scope


def handover_button(request, record) -> list[dict]:
    """[{label, url}] when the user may hand `record` over to 纪检 now, else []."""
    user = request.user
    if not user.has_perm("monitoring.hand_over_discipline") or not in_unit_scope(user, record.unit):
        return []
    if isinstance(record, SupervisionCase):
        if record.status not in discipline.HANDABLE_CASE_STATUSES:
            return []
        url = reverse("admin:monitoring_disciplinehandover_case", args=[record.pk])
    else:
        if discipline.is_handed_over(record):
            return []
        url = reverse("admin:monitoring_disciplinehandover_complaint", args=[record.pk])
    return [{"label": _("移交纪检"), "url": url}]
