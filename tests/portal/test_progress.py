"""Following progress: number + phone on file, or + a one-time code; no enumeration;
throttled; only the customer's own data, masked; the session expires."""

import re
import time

import pytest
from django.core import mail

from applications.models import PersonalDataAccess
from applications.states import State
from monitoring.models import CustomerStep
from portal.services import access
from portal.services.progress import due_text, steps_of

from .conftest import PHONE

CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def lookup(client, number, phone="", code="", action="verify", ip="10.0.0.1"):
    data = {"number": number, "phone": phone, "code": code, "action": action}
    return client.post("/progress/", data, REMOTE_ADDR=ip)


def body(response) -> bytes:
    return CSRF.sub(b"", response.content)


def test_the_number_and_the_phone_on_file_open_the_progress_page(client, online_app):
    response = lookup(client, online_app.number, PHONE)
    assert response.status_code == 302 and response.url == "/progress/"
    page = client.get("/progress/").content.decode()
    assert online_app.number in page
    assert '<li class="current" data-step="accept">① 业务受理</li>' in page
    assert '<li class="todo" data-step="energize">⑤ 投运送电</li>' in page
    due = online_app.clocks.get(stage="accept").due_at
    assert f'<dd id="due-at">{due_text(due)}</dd>' in page
    assert "客户经理甲" in page and "0571-88886666" in page
    # Still to hand in: nothing uploaded, nothing received yet.
    assert "<li>户主身份证明</li>" in page and "<li>房屋产权证明或租赁协议</li>" in page
    # The customer's own numbers are masked; nobody else's data is on the page.
    assert PHONE not in page and "139****5678" in page
    assert online_app.customer.id_number not in page
    # A customer's lookup is not a staff access to personal data.
    assert not PersonalDataAccess.objects.exists()


def test_a_one_time_code_sent_to_the_phone_opens_the_page_once(client, online_app):
    response = lookup(client, online_app.number, action="send_code")
    assert str(access.CODE_SENT) in response.content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [f"{PHONE}@sms.localhost"]
    code = re.search(r"验证码为(\d{6})", message.body).group(1)

    assert lookup(client, online_app.number, code="000000" if code != "000000" else "111111")
    wrong = lookup(client, online_app.number, code="999999" if code != "999999" else "888888")
    assert str(access.FAILED) in wrong.content.decode()
    assert lookup(client, online_app.number, code=code).status_code == 302
    assert online_app.number in client.get("/progress/").content.decode()

    client.post("/progress/leave/")
    again = lookup(client, online_app.number, code=code)  # used up
    assert again.status_code == 200 and str(access.FAILED) in again.content.decode()


def test_a_code_request_for_an_unknown_number_looks_the_same_and_sends_nothing(client, online_app):
    known = lookup(client, online_app.number, action="send_code")
    unknown = lookup(client, "YK2099999999", action="send_code")
    assert len(mail.outbox) == 1
    assert body(known).replace(online_app.number.encode(), b"N") == body(unknown).replace(
        b"YK2099999999", b"N"
    )


def test_wrong_number_and_wrong_phone_get_identical_answers(client, online_app, settings):
    settings.YEKUO_PORTAL_LOOKUP_MIN_MS = 150
    started = time.monotonic()
    wrong_phone = lookup(client, online_app.number, "13800000000")
    middle = time.monotonic()
    wrong_number = lookup(client, "YK2099999999", PHONE)
    ended = time.monotonic()
    assert wrong_phone.status_code == wrong_number.status_code == 200
    # The same page, the typed number aside (it is echoed back in the form).
    assert body(wrong_phone).replace(online_app.number.encode(), b"N").replace(
        b"13800000000", b"P"
    ) == body(wrong_number).replace(b"YK2099999999", b"N").replace(PHONE.encode(), b"P")
    assert str(access.FAILED) in wrong_phone.content.decode()
    # Both take at least the floor, so timing does not tell them apart either.
    assert middle - started >= 0.15 and ended - middle >= 0.15


def test_lookups_are_throttled_per_number_and_per_address(client, online_app, settings):
    settings.YEKUO_PORTAL_LOOKUPS_PER_NUMBER = 2
    for ip in ("10.0.0.1", "10.0.0.2"):
        assert lookup(client, online_app.number, "13800000000", ip=ip).status_code == 200
    # A third try from a third address: the number's limit holds, even with the right phone.
    blocked = lookup(client, online_app.number, PHONE, ip="10.0.0.3")
    assert blocked.status_code == 429 and "操作过于频繁" in blocked.content.decode()
    # An unknown number is limited the same way (the limit says nothing about existence).
    for ip in ("10.0.0.4", "10.0.0.5"):
        assert lookup(client, "YK2099999999", PHONE, ip=ip).status_code == 200
    assert lookup(client, "YK2099999999", PHONE, ip="10.0.0.6").status_code == 429

    settings.YEKUO_PORTAL_LOOKUPS_PER_NUMBER = 100
    settings.YEKUO_PORTAL_LOOKUPS_PER_IP = 3
    for n in range(3):
        assert lookup(client, f"YK20980000{n:02d}", PHONE, ip="10.9.9.9").status_code == 200
    assert lookup(client, online_app.number, PHONE, ip="10.9.9.9").status_code == 429


def test_the_verified_session_expires(client, online_app):
    lookup(client, online_app.number, PHONE)
    assert online_app.number in client.get("/progress/").content.decode()
    session = client.session
    session[access.SESSION_KEY]["until"] = time.time() - 1
    session.save()
    page = client.get("/progress/").content.decode()
    assert online_app.number not in page and 'id="lookup-form"' in page


def test_actions_need_a_verified_session(client, online_app):
    response = client.post("/progress/report/", {"words": "被要求私下付费"})
    assert response.status_code == 302 and response.url == "/progress/"
    assert not online_app.supervision_cases.exists()


@pytest.mark.parametrize(
    ("state", "current", "done"),
    [
        (State.ACCEPT, "accept", []),
        (State.SCHEME, "scheme", ["accept"]),
        (State.CUSTOMER_CONSTRUCTION, "design_check", ["accept", "scheme"]),
        (State.COMPLETION_INSPECTION, "contract", ["accept", "scheme", "design_check"]),
        (State.ENERGIZE, "energize", ["accept", "scheme", "design_check", "contract"]),
        (State.ARCHIVED, None, ["accept", "scheme", "design_check", "contract", "energize"]),
    ],
)
def test_the_five_steps_group_the_stages(online_app, state, current, done):
    online_app.state = state
    steps, label = steps_of(online_app)
    assert [s.code for s in steps if s.status == "done"] == done
    assert [s.code for s in steps if s.status == "current"] == ([current] if current else [])
    assert len(steps) == 5 and label == (CustomerStep(current or "energized").label)


def test_a_code_is_void_after_too_many_wrong_tries(client, online_app, settings):
    settings.YEKUO_PORTAL_OTP_TRIES = 2
    lookup(client, online_app.number, action="send_code")
    code = re.search(r"验证码为(\d{6})", mail.outbox[0].body).group(1)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _try in range(2):
        assert str(access.FAILED) in lookup(client, online_app.number, code=wrong).content.decode()
    # The right code no longer opens the page: a new one must be asked for.
    assert lookup(client, online_app.number, code=code).status_code == 200
    assert access.SESSION_KEY not in client.session


def test_a_suspended_application_says_why_and_shows_no_running_due_date(client, online_app):
    online_app.suspended_from, online_app.state = online_app.state, State.SUSPENDED
    online_app.suspension_reason = "missing_documents"
    online_app.save(update_fields=["state", "suspended_from", "suspension_reason"])
    lookup(client, online_app.number, PHONE)
    page = client.get("/progress/").content.decode()
    assert "办理暂停：等待客户补交资料（暂停期间不计时）" in page
    assert '<dd id="due-at">—</dd>' in page
    assert '<li class="current" data-step="accept">① 业务受理</li>' in page


def test_a_midnight_due_reads_as_the_previous_days_24_00():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    shanghai = ZoneInfo("Asia/Shanghai")
    assert due_text(datetime(2026, 12, 9, 0, 0, tzinfo=shanghai)) == "2026-12-08 24:00"
    assert due_text(datetime(2026, 12, 9, 15, 30, tzinfo=shanghai)) == "2026-12-09 15:30"
    # An instant given in UTC is shown in the site's time zone.
    assert due_text(datetime(2026, 12, 8, 16, 0, tzinfo=ZoneInfo("UTC"))) == "2026-12-08 24:00"
