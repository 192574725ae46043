"""The API listens to the lifecycle (never the other way round)."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from applications.models import Application
from applications.signals import demo_loaded

from . import changes


@receiver(post_save, sender=Application, dispatch_uid="api.application_changed")
def application_changed(sender, *, instance, created, raw=False, **kwargs):
    if not raw:
        changes.record(instance, created=created)


@receiver(demo_loaded, dispatch_uid="api.demo_tokens")
def demo_tokens(sender, *, accounts, stdout=None, **kwargs):
    from . import demo

    for line in demo.load():
        if stdout:
            stdout.write(line)
