"""The transition log: who moved an application, when, from where to where, and why."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..states import State
from .append_only import AppendOnlyModel


class TransitionLog(AppendOnlyModel):
    """Append-only. The admin shows it read-only; the model refuses updates and deletes."""

    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("业扩申请"),
        on_delete=models.PROTECT,
        related_name="transition_logs",
    )
    transition = models.CharField(_("操作"), max_length=40)
    transition_label = models.CharField(_("操作名称"), max_length=60)
    from_state = models.CharField(_("原环节"), max_length=30, choices=State.choices, blank=True)
    to_state = models.CharField(_("新环节"), max_length=30, choices=State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办理人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # partial, in Meta: imported applications' log rows have none
    )
    at = models.DateTimeField(_("办理时间"), db_index=True)
    comment = models.TextField(_("办理意见"), blank=True)

    class Meta:
        verbose_name = _("流转记录")
        verbose_name_plural = _("流转记录")
        ordering = ["application", "at", "pk"]
        indexes = [
            models.Index(
                fields=["actor"], condition=models.Q(actor__isnull=False), name="log_actor"
            )
        ]

    def __str__(self):
        return f"{self.get_from_state_display()} → {self.get_to_state_display()}"
