"""The customer pages' demo rows, added after `load_demo` made its applications."""

from django.dispatch import receiver

from applications.signals import demo_loaded


@receiver(demo_loaded, dispatch_uid="portal.demo")
def portal_demo(sender, *, accounts, stdout=None, **kwargs):
    from . import demo

    manager = accounts.get("cm_xihu1", (None,))[0]
    if manager is None:
        return
    for line in demo.load(customer_manager=manager):
        if stdout:
            stdout.write(line)
