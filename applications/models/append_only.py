"""Records that are written once and never changed: logs that prove who did what.

A model inherits `AppendOnlyModel`; its rows refuse `save()` after creation and `delete()`,
and its default manager's queryset refuses bulk `update()` and `delete()` (which would
bypass the row methods). The messages name the record by its verbose name.
"""

from django.db import models


class ImmutableRecord(Exception):
    pass


def _refusal(model, verb: str) -> ImmutableRecord:
    return ImmutableRecord(f"{model._meta.verbose_name}不可{verb}。")


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk update/delete would bypass the row methods below, so refuse them here too."""

    def update(self, **kwargs):
        raise _refusal(self.model, "修改")

    def delete(self):
        raise _refusal(self.model, "删除")

    _raw_delete = delete


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise _refusal(type(self), "修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise _refusal(type(self), "删除")
