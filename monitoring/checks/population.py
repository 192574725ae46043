"""Who can be drawn: the population of a check and the stratum of each application."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.models import Application, Unit
from applications.states import CustomerClass, State

from ..dashboard.filters import Period
from ..models import RandomCheck

Strata = RandomCheck.Strata


def stage_reached(state: str, energized) -> str:
    """在途 / 已送电 / 已撤销: how far the application got."""
    if state == State.CANCELLED:
        return "cancelled"
    return "energized" if energized else "in_flight"


STRATUM_LABELS = {
    "all": gettext_lazy("全部"),
    **dict(CustomerClass.choices),
    "in_flight": gettext_lazy("在途"),
    "energized": gettext_lazy("已送电"),
    "cancelled": gettext_lazy("已撤销"),
    "with_works": gettext_lazy("有配套工程"),
    "without_works": gettext_lazy("无配套工程"),
}


def stratum_label(key: str) -> str:
    return str(STRATUM_LABELS.get(key, key))


def stratum_of(stratify_by: str, row: dict) -> str:
    if stratify_by == Strata.CUSTOMER_CLASS:
        return row["customer_class"]
    if stratify_by == Strata.STAGE_REACHED:
        return stage_reached(row["state"], row["energized_at"])
    if stratify_by == Strata.GRID_WORKS:
        return "with_works" if row["has_grid_works"] else "without_works"
    return "all"


def population_rule(unit: Unit, start: date, end: date, stratify_by: str) -> str:
    """The population definition in words, recorded with the draw."""
    return _(
        "%(unit)s（本单位，不含下属单位）受理时间在 %(start)s 至 %(end)s（含，北京时间）的"
        "全部业扩申请（含已撤销），按申请内部编号升序；分层：%(strata)s。"
    ) % {
        "unit": unit,
        "start": f"{start:%Y-%m-%d}",
        "end": f"{end:%Y-%m-%d}",
        "strata": RandomCheck.Strata(stratify_by).label,
    }


def population(unit: Unit, start: date, end: date, stratify_by: str) -> dict[str, list[int]]:
    """{stratum: application ids ascending} of the unit's applications accepted in the days."""
    period = Period(start, end)
    rows = (
        Application.objects.filter(
            unit=unit, accepted_at__gte=period.since, accepted_at__lt=period.until
        )
        .order_by("pk")
        .values("pk", "customer_class", "state", "energized_at", "has_grid_works")
    )
    strata: dict[str, list[int]] = {}
    for row in rows:
        strata.setdefault(stratum_of(stratify_by, row), []).append(row["pk"])
    return strata
