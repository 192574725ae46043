"""The transition log is append-only: what happened stays as it was recorded."""

import pytest
from django.db.models import ProtectedError
from django.utils import timezone

from applications.models import Application, ImmutableRecord, TransitionLog
from applications.services.lifecycle import perform_transition
from applications.states import State

START = timezone.make_aware(timezone.datetime(2026, 3, 2, 9, 0))


@pytest.fixture
def logged_app(make_app, walker):
    app = make_app("lv_resident", at=START)
    return walker.walk(app, until=State.SCHEME, start=START)


def test_a_log_entry_cannot_be_edited(logged_app):
    entry = TransitionLog.objects.filter(application=logged_app).latest("at", "pk")
    entry.comment = "事后补写的意见"
    with pytest.raises(ImmutableRecord, match="流转记录不可修改"):
        entry.save()
    entry.refresh_from_db()
    assert entry.comment == ""

    # Even saving it unchanged is refused: there is no legitimate reason to save it again.
    with pytest.raises(ImmutableRecord):
        TransitionLog.objects.get(pk=entry.pk).save()


def test_a_log_entry_cannot_be_deleted(logged_app):
    entry = TransitionLog.objects.filter(application=logged_app).first()
    with pytest.raises(ImmutableRecord, match="流转记录不可删除"):
        entry.delete()
    assert TransitionLog.objects.filter(pk=entry.pk).exists()


def test_an_application_with_a_history_cannot_be_deleted(logged_app):
    with pytest.raises(ProtectedError):
        logged_app.delete()
    assert Application.objects.filter(pk=logged_app.pk).exists()
    assert TransitionLog.objects.filter(application=logged_app).count() == 2


def test_new_entries_are_appended(logged_app, staff):
    before = list(TransitionLog.objects.filter(application=logged_app).values_list("pk", "comment"))
    perform_transition(
        application=logged_app,
        name="suspend",
        user=staff["customer_manager"],
        reason="customer_request",
        comment="客户要求暂缓。",
    )
    after = list(TransitionLog.objects.filter(application=logged_app).values_list("pk", "comment"))
    assert after[: len(before)] == before
    assert after[-1][1] == "客户要求暂缓。"


def test_bulk_update_and_delete_are_refused_too(logged_app):
    entries = TransitionLog.objects.filter(application=logged_app)
    for bulk in (lambda: entries.update(comment="改"), lambda: entries.delete()):
        try:
            bulk()
        except ImmutableRecord:
            continue
        raise AssertionError("bulk change of the log went through")
