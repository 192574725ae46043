"""Panels other apps add to a page, so the page's app need not know its watchers.

`monitoring` registers the clock timeline, `projects` the grid works on the application page;
`monitoring` the phase deadlines on the project page: each a template and a function returning
its context, called with the request and the page's object. `page` names the page
("application" unless said otherwise).
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Panel:
    template: str
    context: Callable[..., dict | None]
    order: int = 100
    page: str = "application"


_PANELS: list[Panel] = []


def register_panel(template: str, *, order: int = 100, page: str = "application"):
    """Decorator: `fn(request, obj) -> dict | None` (None hides the panel)."""

    def decorate(fn):
        _PANELS.append(Panel(template, fn, order, page))
        _PANELS.sort(key=lambda p: p.order)
        return fn

    return decorate


def render_context(request, obj, page: str = "application") -> list[dict]:
    """The panels to show on `page` for this object, each with its template and context."""
    shown = []
    for panel in _PANELS:
        if panel.page != page:
            continue
        context = panel.context(request, obj)
        if context is not None:
            shown.append({"template": panel.template, "context": context})
    return shown


# --- Columns and filters other apps add to a list -------------------------------------------
# The application list shows what watchers know (the breach forecast's risk) without the
# lifecycle importing them: a watcher registers a column (a callable taking the row, with
# `short_description`, and optionally the annotation it reads) or a list filter class.


@dataclass(frozen=True)
class ListColumn:
    name: str
    column: Callable
    annotate: Callable | None = None  # queryset -> queryset, adding what `column` reads
    visible: Callable | None = None  # request -> bool; None: everyone who sees the list
    page: str = "application"


@dataclass(frozen=True)
class ListFilter:
    filter: type
    visible: Callable | None = None
    page: str = "application"


_COLUMNS: list[ListColumn] = []
_FILTERS: list[ListFilter] = []


def register_list_column(
    name: str, column: Callable, *, annotate=None, visible=None, page: str = "application"
) -> None:
    """Add a column to a list: `column(obj)` shows it, `annotate(queryset)` feeds it."""
    if not any(c.name == name and c.page == page for c in _COLUMNS):  # idempotent
        _COLUMNS.append(ListColumn(name, column, annotate, visible, page))


def register_list_filter(filter_class: type, *, visible=None, page: str = "application") -> None:
    """Add a list filter (a `SimpleListFilter` subclass) to a list."""
    if not any(f.filter is filter_class and f.page == page for f in _FILTERS):
        _FILTERS.append(ListFilter(filter_class, visible, page))


def _shown(entry, request) -> bool:
    return entry.visible is None or entry.visible(request)


def list_columns(request, page: str = "application") -> list[ListColumn]:
    return [c for c in _COLUMNS if c.page == page and _shown(c, request)]


def list_filters(request, page: str = "application") -> list[type]:
    return [f.filter for f in _FILTERS if f.page == page and _shown(f, request)]


def annotate_list(queryset, request, page: str = "application"):
    """The list's queryset with what the registered columns read."""
    for column in list_columns(request, page):
        if column.annotate is not None:
            queryset = column.annotate(queryset)
    return queryset
