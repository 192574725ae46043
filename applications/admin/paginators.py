"""The application list at a million rows: no full COUNT, no DISTINCT scan for a filter.

On PostgreSQL a list the planner expects to hold more than `ESTIMATE_ABOVE` rows is counted
from the planner's estimate (EXPLAIN of the list's own query: a millisecond), so paging through
all applications never runs a full COUNT(*); smaller lists — any filtered or unit-scoped list
of ordinary size — are counted exactly. Other databases always count exactly.
"""

import json

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

from .. import roles
from .scoping import scoped_staff, staff_label

ESTIMATE_ABOVE = 100_000


def planner_rows(queryset: QuerySet) -> int:
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    @cached_property
    def count(self):
        queryset = self.object_list
        if isinstance(queryset, QuerySet) and connections[queryset.db].vendor == "postgresql":
            estimate = planner_rows(queryset)
            if estimate > ESTIMATE_ABOVE:
                return estimate
        return super().count


class CustomerManagerListFilter(admin.RelatedFieldListFilter):
    """The customer managers of the user's units, by name — not a DISTINCT over every
    application (RelatedOnlyFieldListFilter), which at a million rows costs a full scan."""

    def field_choices(self, field, request, model_admin):
        managers = scoped_staff(request).filter(groups__name=roles.CUSTOMER_MANAGER)
        return [(user.pk, staff_label(user)) for user in managers]
