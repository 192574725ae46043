"""E-mail copies of notifications: sent once, retried with backoff, failed visibly, resent.

The sweep at DUE queues three e-mails (the scheme clock of test_sweep.py): the warning and the
overdue alert to the customer manager, the overdue alert to their supervisor.
"""

from datetime import timedelta
from smtplib import SMTPException

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse

from monitoring import emails
from monitoring.models import EmailDelivery
from monitoring.sweep import run_sweep

from .sweeping import local, scheme_clock

DUE = local(2026, 10, 9)
Status = EmailDelivery.Status
MINUTE = timedelta(minutes=1)


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise SMTPException("421 4.3.2 Service not available")


class UnreachableBackend(BaseEmailBackend):
    def open(self):
        raise ConnectionRefusedError("Connection refused")

    def send_messages(self, email_messages):  # pragma: no cover - never reached
        raise AssertionError


@pytest.fixture
def queued(make_app, walker, staff):
    for user in (staff["customer_manager"], staff["supervisor"]):
        user.email = f"{user.username}@example.com"
        user.save()
    app, _clock = scheme_clock(make_app, walker, local(2026, 9, 28, 9))
    run_sweep(DUE)
    return app


def statuses():
    return sorted(EmailDelivery.objects.values_list("status", "attempts"))


def test_e_mails_are_queued_for_recipients_with_an_address(make_app, walker, staff):
    staff["customer_manager"].email = "cm@example.com"
    staff["customer_manager"].save()  # the supervisor has no address
    scheme_clock(make_app, walker, local(2026, 9, 28, 9))

    run_sweep(DUE)

    deliveries = EmailDelivery.objects.select_related("notification__recipient")
    assert {(d.to_address, d.notification.kind) for d in deliveries} == {
        ("cm@example.com", "warning"),
        ("cm@example.com", "overdue"),
    }
    assert {(d.status, d.attempts, d.next_attempt_at) for d in deliveries} == {
        (Status.PENDING, 0, DUE)
    }


def test_each_e_mail_is_sent_once(queued):
    counts = emails.send_pending_emails(now=DUE)

    assert counts == {"recovered": 0, "sent": 3, "retry": 0, "failed": 0}
    assert statuses() == [(Status.SENT, 1)] * 3
    overdue = next(m for m in mail.outbox if m.to == ["supervisor@example.com"])
    assert overdue.subject == f"超期告警：{queued.number} 勘查及方案答复"
    assert "到期时间：2026-10-09 00:00" in overdue.body
    link = reverse("admin:applications_application_change", args=[queued.pk])
    assert f"http://127.0.0.1:8000{link}" in overdue.body

    assert emails.send_pending_emails(now=DUE + MINUTE)["sent"] == 0
    run_sweep(DUE + MINUTE)  # nor does a later sweep queue them again
    assert emails.send_pending_emails(now=DUE + 2 * MINUTE)["sent"] == 0
    assert len(mail.outbox) == 3


def test_a_failing_server_is_retried_with_backoff_then_failed_then_resent(
    queued, settings, client, staff
):
    settings.EMAIL_BACKEND = "tests.monitoring.test_emails.FailingBackend"
    settings.YEKUO_EMAIL_MAX_ATTEMPTS = 3

    assert emails.send_pending_emails(now=DUE)["retry"] == 3
    delivery = EmailDelivery.objects.filter(to_address="supervisor@example.com").get()
    assert (delivery.status, delivery.attempts) == (Status.PENDING, 1)
    assert delivery.next_attempt_at == DUE + MINUTE  # then 2, 4 … minutes
    assert delivery.last_error == "SMTPException: 421 4.3.2 Service not available"

    assert emails.send_pending_emails(now=DUE + MINUTE - timedelta(seconds=1))["retry"] == 0
    assert emails.send_pending_emails(now=DUE + MINUTE)["retry"] == 3
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.next_attempt_at) == (2, DUE + 3 * MINUTE)
    assert emails.send_pending_emails(now=DUE + 3 * MINUTE)["failed"] == 3
    assert statuses() == [(Status.FAILED, 3)] * 3
    assert emails.send_pending_emails(now=DUE + timedelta(days=1))["failed"] == 0

    # A supervisor sees the failures and resends them once the server is back.
    client.force_login(staff["supervisor"])
    url = reverse("admin:monitoring_emaildelivery_changelist")
    assert client.get(url + "?status=failed").context["cl"].result_count == 3
    client.post(
        url,
        {
            "action": "resend",
            "_selected_action": list(EmailDelivery.objects.values_list("pk", flat=True)),
        },
    )
    assert statuses() == [(Status.PENDING, 0)] * 3
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert emails.send_pending_emails()["sent"] == 3
    assert len(mail.outbox) == 3


def test_an_unreachable_server_fails_each_claimed_row_and_they_wait(queued, settings):
    settings.EMAIL_BACKEND = "tests.monitoring.test_emails.UnreachableBackend"

    counts = emails.send_pending_emails(now=DUE)

    assert counts["retry"] == 3
    assert {d.last_error for d in EmailDelivery.objects.all()} == {
        "ConnectionRefusedError: Connection refused"
    }


def test_a_claim_is_exclusive(queued):
    first_token, first = emails.claim(now=DUE)
    second_token, second = emails.claim(now=DUE)

    assert len(first) == 3 and second == []
    assert first_token != second_token


def test_a_worker_that_died_while_sending_is_taken_over_after_the_timeout(queued, settings):
    settings.YEKUO_EMAIL_CLAIM_TIMEOUT = 900
    _token, claimed = emails.claim(now=DUE)  # … and the worker is killed before sending
    assert len(claimed) == 3 and statuses() == [(Status.SENDING, 1)] * 3

    assert emails.send_pending_emails(now=DUE + 10 * MINUTE)["recovered"] == 0
    assert statuses() == [(Status.SENDING, 1)] * 3  # a live worker may still be at it
    counts = emails.send_pending_emails(now=DUE + 16 * MINUTE)

    assert counts == {"recovered": 3, "sent": 3, "retry": 0, "failed": 0}
    assert statuses() == [(Status.SENT, 2)] * 3
    assert len(mail.outbox) == 3


def test_a_stale_claim_on_its_last_attempt_is_failed(queued, settings):
    settings.YEKUO_EMAIL_MAX_ATTEMPTS = 1
    emails.claim(now=DUE)

    counts = emails.send_pending_emails(now=DUE + timedelta(hours=1))

    assert counts["recovered"] == 3 and counts["sent"] == 0
    assert statuses() == [(Status.FAILED, 1)] * 3
    assert "中断" in EmailDelivery.objects.first().last_error


def test_the_outcome_of_a_taken_back_claim_is_not_recorded_twice(queued):
    token, claimed = emails.claim(now=DUE)
    emails.recover_stale_claims(now=DUE + timedelta(hours=1))
    assert emails.send_pending_emails(now=DUE + timedelta(hours=1))["sent"] == 3

    # The first worker wakes up and reports its (late) failure: its claim is gone.
    emails._failed(claimed[0], token, SMTPException("late"), DUE + timedelta(hours=1))

    assert statuses() == [(Status.SENT, 2)] * 3
