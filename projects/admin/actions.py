"""Object pages that run one service each (plan a phase, report progress, approve an outage):
a form, the service, and its refusal shown on the form — never business logic in the admin."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from applications.services.errors import TransitionRefused


@dataclass(frozen=True)
class ObjectAction:
    label: str
    form: type
    # run(user, obj, cleaned_data) -> None; raises TransitionRefused with the reasons.
    run: Callable
    # refusal(user, obj) -> str | None: shown instead of the form when the user may not act.
    refusal: Callable
    # shown(obj) -> bool: whether the object is in a state where the action makes sense.
    shown: Callable = lambda obj: True
    done: str = ""


class ObjectActionsMixin:
    """`object_actions = {"name": ObjectAction(...)}` become pages at <pk>/<name>/ and buttons."""

    object_actions: dict[str, ObjectAction] = {}
    action_template = "admin/projects/action.html"

    def get_urls(self):
        return [
            path(
                "<int:pk>/do/<str:action>/",
                self.admin_site.admin_view(self.object_action_view),
                name=f"{self._url_prefix}_action",
            ),
            *super().get_urls(),
        ]

    @property
    def _url_prefix(self) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}"

    def action_url(self, obj, name: str) -> str:
        return reverse(f"admin:{self._url_prefix}_action", args=[obj.pk, name])

    def action_buttons(self, obj, user=None) -> str:
        """Buttons for the actions that make sense now (and that the user may take, if given)."""
        shown = [
            (self.action_url(obj, name), action.label)
            for name, action in self.object_actions.items()
            if action.shown(obj) and (user is None or action.refusal(user, obj) is None)
        ]
        return format_html_join(" ", '<a class="button" href="{}">{}</a>', shown) or "—"

    def object_action_view(self, request, pk, action):
        spec = self.object_actions.get(action)
        obj = self.get_queryset(request).filter(pk=pk).first()
        if spec is None or obj is None:
            raise Http404
        back = reverse(f"admin:{self._url_prefix}_change", args=[obj.pk])
        form_kwargs = {"obj": obj, "user": request.user}
        form = spec.form(request.POST or None, request.FILES or None, **form_kwargs)
        refusal = spec.refusal(request.user, obj)
        if request.method == "POST" and not refusal and form.is_valid():
            try:
                spec.run(request.user, obj, form.cleaned_data)
            except TransitionRefused as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(request, spec.done or spec.label, messages.SUCCESS)
                return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": format_html("{}：{}", spec.label, obj),
            "object": obj,
            "back": back,
            "refusal": refusal,
            "form": form,
            "submit_label": spec.label,
        }
        return TemplateResponse(request, self.action_template, context)
