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
