"""Panels other apps add to the application page, so the lifecycle need not know its watchers.

`monitoring` registers the clock timeline, `projects` the grid works: each a template and a
function returning its context, called with the request and the application.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Panel:
    template: str
    context: Callable[..., dict | None]
    order: int = 100


_PANELS: list[Panel] = []


def register_panel(template: str, *, order: int = 100):
    """Decorator: `fn(request, application) -> dict | None` (None hides the panel)."""

    def decorate(fn):
        _PANELS.append(Panel(template, fn, order))
        _PANELS.sort(key=lambda p: p.order)
        return fn

    return decorate


def render_context(request, application) -> list[dict]:
    """The panels to show for this application, each with its template and context."""
    shown = []
    for panel in _PANELS:
        context = panel.context(request, application)
        if context is not None:
            shown.append({"template": panel.template, "context": context})
    return shown
