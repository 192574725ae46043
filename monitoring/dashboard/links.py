"""The admin changelist each number counts: the same filters, written as admin query strings.

A link is made only when the user may view that list and the admin accepts every lookup in it
(`ModelAdmin.lookup_allowed`); otherwise the number is shown without a link rather than linked
to a list that counts something else.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from applications.models import Application, Charge

from ..models import Callback, Complaint, StageClock
from .filters import Filters, Period, class_fields


def _text(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ",".join(_text(v) for v in value)
    return str(value)


def period_params(field: str, period: Period) -> dict[str, date]:
    """Local days, as the admin filters them (`__date` converts to the current time zone)."""
    return {f"{field}__date__gte": period.start, f"{field}__date__lte": period.end}


class Links:
    def __init__(self, request, filters: Filters):
        self.request = request
        self.filters = filters
        self._bases: dict = {}
        self._allowed: dict = {}
        self._urls: dict = {}

    def _url(self, model, params: dict) -> str:
        base = self._base(model)
        if base is None:
            return ""
        model_admin, url = base
        query = tuple(sorted((k, _text(v)) for k, v in params.items() if v is not None and v != ""))
        # A page has hundreds of links, and a row's cells often share one: make each once.
        if (model, query) not in self._urls:
            self._urls[model, query] = self._make_url(model_admin, url, query)
        return self._urls[model, query]

    def _make_url(self, model_admin, url: str, query: tuple) -> str:
        for lookup, value in query:
            key = (model_admin.model, lookup)
            if key not in self._allowed:  # a few distinct lookups
                self._allowed[key] = model_admin.lookup_allowed(lookup, value, self.request)
            if not self._allowed[key]:
                return ""
        return f"{url}?{urlencode(query)}" if query else url

    def _base(self, model):
        """(its ModelAdmin, its changelist URL), or None when the user may not view it."""
        if model not in self._bases:
            model_admin = admin.site._registry.get(model)
            base = None
            if model_admin is not None and model_admin.has_view_permission(self.request):
                opts = model._meta
                try:
                    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
                except NoReverseMatch:
                    url = None
                base = (model_admin, url) if url else None
            self._bases[model] = base
        return self._bases[model]

    def _narrowed(self, model, params: dict) -> str:
        """The list of `model` narrowed like the dashboard's figures (`filters._narrowed`)."""
        f = self.filters
        class_field, small_micro_field = class_fields(model)
        base = {
            "unit__id__exact": f.unit.pk if f.unit else None,
            f"{class_field}__exact": f.customer_class,
            f"{small_micro_field}__exact": f.small_micro,
        }
        return self._url(model, {**base, **params})

    def applications(self, **params) -> str:
        return self._narrowed(Application, params)

    def clocks(self, **params) -> str:
        return self._narrowed(StageClock, params)

    def judged_clocks(self, period: Period, *, breached_only: bool = False, **params) -> str:
        """Clocks the overdue rate counts: the company's, finished in the period, met or late."""
        return self.clocks(
            **period_params("stopped_at", period),
            counts_against_company__exact=True,
            outcome__in=["breached"] if breached_only else ["met", "breached"],
            **params,
        )

    def supervision(self, model, **params) -> str:
        """The list of a supervision model (cases, letters, assessments), narrowed by the unit
        filter only: they belong to a unit, not to a customer class (see `supervision`)."""
        f = self.filters
        return self._url(model, {"unit__id__exact": f.unit.pk if f.unit else None, **params})

    def ratings(self, **params) -> str:
        """The customer pages' ratings (portal.ServiceRating)."""
        from portal.models import ServiceRating

        return self._narrowed(ServiceRating, params)

    def callbacks(self, **params) -> str:
        # The callback list defaults to the caller's own list for today: ask for all.
        return self._narrowed(Callback, {"todo": "all", "assignee": "all", **params})

    def charges(self, **params) -> str:
        """The charge list, narrowed like `settlement.scoped_charges` (through the application)."""
        f = self.filters
        base = {
            "application__unit__id__exact": f.unit.pk if f.unit else None,
            "application__customer_class__exact": f.customer_class,
            "application__is_small_micro__exact": f.small_micro,
        }
        return self._url(Charge, {**base, **params})

    def complaints(self, **params) -> str:
        """The complaint list, narrowed by the unit filter only (a complaint is about a unit)."""
        f = self.filters
        return self._url(Complaint, {"unit__id__exact": f.unit.pk if f.unit else None, **params})
