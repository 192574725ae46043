"""Signal receivers of the monitoring app: the lifecycle announces, clocks and callbacks follow.

Every signal here is sent inside the sender's transaction, so their writes commit or roll
back with the change that caused them.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from applications.models import SchemeApproval
from applications.services.approvals import scheme_review_closed, scheme_review_opened
from applications.signals import application_transitioned, demo_loaded

from . import callbacks, clocks
from .signals import off_system_suspected
from .supervision import detection


@receiver(application_transitioned, dispatch_uid="monitoring.clocks_follow_lifecycle")
def clocks_follow_lifecycle(sender, *, application, transition, target, at, **kwargs):
    clocks.follow_transition(application=application, transition=transition, target=target, at=at)


@receiver(application_transitioned, dispatch_uid="monitoring.callbacks_follow_lifecycle")
def callbacks_follow_lifecycle(sender, *, application, transition, source, target, at, **kwargs):
    callbacks.follow_transition(
        application=application, transition=transition, source=source, target=target, at=at
    )


@receiver(scheme_review_opened, dispatch_uid="monitoring.approval_clocks_start")
def approval_clocks_start(sender, *, review, **kwargs):
    clocks.start_approval_clocks(review=review)


# The approvals service announces only whole rounds; one department's decision is its save
# (inside `decide_approval`'s transaction), so its clock stops at the decision, not at round end.
@receiver(post_save, sender=SchemeApproval, dispatch_uid="monitoring.approval_clock_stops")
def approval_clock_stops(sender, *, instance, created, raw=False, **kwargs):
    if not created and not raw:
        clocks.stop_approval_clock(approval=instance)


@receiver(scheme_review_closed, dispatch_uid="monitoring.approval_clocks_close")
def approval_clocks_close(sender, *, review, **kwargs):
    clocks.close_review_clocks(review=review)


# A flagged callback opens its supervision case in the callback's own transaction; the daily
# scan of rule (a) finds any the signal missed (same evidence key: never a second case).
@receiver(off_system_suspected, dispatch_uid="monitoring.supervision_case_from_callback")
def supervision_case_from_callback(sender, *, callback, at, **kwargs):
    detection.open_callback_case(callback, at)


@receiver(demo_loaded, dispatch_uid="monitoring.supervision_demo")
def supervision_demo(sender, *, accounts, stdout=None, **kwargs):
    from .supervision import demo

    lines = demo.load(inspector=accounts["jijian"][0], supervisor=accounts["zhuguan"][0])
    for line in lines if stdout else ():
        stdout.write(line)


@receiver(demo_loaded, dispatch_uid="monitoring.meetings_demo")
def meetings_demo(sender, *, accounts, stdout=None, **kwargs):
    from .meetings import demo

    for line in demo.load(supervisor=accounts["zhuguan"][0]):
        if stdout:
            stdout.write(line)


# Random checks and the monthly summary (after the supervision demo: its cases and letters
# show up in the summary).
@receiver(demo_loaded, dispatch_uid="monitoring.checks_demo")
def checks_demo(sender, *, accounts, stdout=None, **kwargs):
    from .checks import demo

    lines = demo.load(inspector=accounts["jijian"][0], supervisor=accounts["zhuguan"][0])
    for line in lines if stdout else ():
        stdout.write(line)


# Routines (督办 items, rewards, a hand-over to 纪检): after the supervision demo, whose letter
# and cases they use (receivers run in the order they were connected).
@receiver(demo_loaded, dispatch_uid="monitoring.routines_demo")
def routines_demo(sender, *, accounts, stdout=None, **kwargs):
    from .routines import demo

    lines = demo.load(inspector=accounts["jijian"][0], supervisor=accounts["zhuguan"][0])
    for line in lines if stdout else ():
        stdout.write(line)
