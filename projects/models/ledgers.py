"""The three ledgers of DOMAIN.md §8 as proxy models, so each has its own admin list, filters
and export: 先接入后改造 and 预推进工程 over projects, 系统流程在途 over applications (its clock
columns come from monitoring, which registers that admin)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.models import Application
from applications.models.application import ApplicationQuerySet

from .project import Project, ProjectQuerySet


class ConnectFirstManager(models.Manager.from_queryset(ProjectQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(kind=Project.Kind.CONNECT_FIRST)


class AheadManager(models.Manager.from_queryset(ProjectQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(kind=Project.Kind.AHEAD)


class InFlightManager(models.Manager.from_queryset(ApplicationQuerySet)):
    def get_queryset(self):
        return super().get_queryset().in_flight()


class ConnectFirstLedger(Project):
    objects = ConnectFirstManager()

    class Meta:
        proxy = True
        verbose_name = _("先接入后改造台账")
        verbose_name_plural = _("先接入后改造台账")


class AheadLedger(Project):
    objects = AheadManager()

    class Meta:
        proxy = True
        verbose_name = _("预推进工程台账")
        verbose_name_plural = _("预推进工程台账")


class InFlightLedger(Application):
    objects = InFlightManager()

    class Meta:
        proxy = True
        verbose_name = _("系统流程在途台账")
        verbose_name_plural = _("系统流程在途台账")
