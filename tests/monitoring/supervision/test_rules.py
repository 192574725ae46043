"""线外流转 detection rules: each with a positive and a negative case, reruns never duplicate,
a disabled rule does nothing, the callback signal opens its case at once.

Working days counted by hand from the 2026 arrangement (no holidays in early March).
"""

from datetime import date

import pytest
from django.core.management import call_command
from django.utils import timezone

from applications.models import MeteringRecord
from applications.services.lifecycle import perform_transition
from applications.states import State
from monitoring.callbacks import create_due_date_callbacks, record_outcome
from monitoring.models import (
    Callback,
    CaseSource,
    ContactChannel,
    CustomerContact,
    CustomerStep,
    SupervisionCase,
)
from monitoring.supervision import detection
from projects.models import Project
from projects.services.progress import report_progress
from projects.services.projects import create_project

from .conftest import local, rule, run

NOW = local(2026, 3, 16, 2)


def cases_of(code):
    return list(SupervisionCase.objects.filter(rule__code=code).order_by("pk"))


# --- (a) callbacks -------------------------------------------------------------------------------


def test_a_flagged_callback_opens_a_case_through_the_signal(applied_elsewhere, staff):
    (case,) = cases_of("callback_mismatch")
    callback = Callback.objects.get(application=applied_elsewhere, kind="first")
    assert case.evidence_text == "受理回访（2026-03-02）：客户不确认本人以此方式申请"
    assert (case.application, case.unit, case.responsible) == (
        applied_elsewhere,
        applied_elsewhere.unit,
        staff["customer_manager"],
    )
    assert case.evidence_key == f"callback:{callback.pk}"
    assert case.evidence["reasons"] == ["客户不确认本人以此方式申请"]
    assert (case.status, case.source, case.found_at) == ("open", "rule", local(2026, 3, 2, 10))


def test_the_daily_scan_finds_nothing_new_for_a_signalled_callback(applied_elsewhere):
    assert run("callback_mismatch", NOW) == 0
    assert run("callback_mismatch", NOW) == 0
    assert len(cases_of("callback_mismatch")) == 1


def test_the_scan_catches_a_callback_whose_signal_was_missed(make_app, staff):
    # With the rule switched off, the signal path opens nothing …
    rule_row = rule("callback_mismatch")
    rule_row.enabled = False
    rule_row.save()
    app = make_app("lv_business", at=local(2026, 3, 2, 9))
    callback = Callback.objects.get(application=app, kind="first")
    record_outcome(
        callback,
        staff["supervisor"],
        reached=True,
        at=local(2026, 3, 2, 10),
        customer_confirmed_applied=True,
        off_record_request=True,
        off_record_detail="要求客户找指定施工单位",
    )
    assert cases_of("callback_mismatch") == []
    assert detection.run_rules(now=NOW).get("callback_mismatch") is None  # disabled: not run

    # … switched on again, the scan finds the flagged callback.
    rule_row.enabled = True
    rule_row.save()
    assert run("callback_mismatch", NOW) == 1
    (case,) = cases_of("callback_mismatch")
    assert (
        case.evidence_text == "受理回访（2026-03-02）：客户反映有线外要求：要求客户找指定施工单位"
    )
    assert case.found_at == NOW


def test_a_matching_callback_opens_no_case(make_app, walker, staff):
    app = make_app("lv_business", at=local(2026, 2, 12, 9))
    walker.step(app, local(2026, 2, 12, 15))  # scheme, due 24 Feb
    create_due_date_callbacks(local(2026, 2, 24, 8))
    record_outcome(
        Callback.objects.get(application=app, kind="due_date"),
        staff["supervisor"],
        reached=True,
        at=local(2026, 2, 24, 10),
        customer_reported_step=CustomerStep.SCHEME,
    )
    assert run("callback_mismatch", NOW) == 0
    assert cases_of("callback_mismatch") == []


def test_site_ahead_of_the_system_reads_as_the_customer_said_it(make_app, walker, staff):
    app = make_app("lv_business", at=local(2026, 2, 12, 9))
    walker.step(app, local(2026, 2, 12, 15))
    create_due_date_callbacks(local(2026, 2, 24, 8))
    record_outcome(
        Callback.objects.get(application=app, kind="due_date"),
        staff["supervisor"],
        reached=True,
        at=local(2026, 2, 24, 10),
        customer_reported_step=CustomerStep.ENERGIZED,
    )
    (case,) = cases_of("callback_mismatch")
    assert case.evidence_text == (
        "到期日回访（2026-02-24）：客户反映现场已到“已送电”，系统仍在“② 供电方案确定及答复”"
    )


# --- (c) metering records ------------------------------------------------------------------------


def meter(app, installed_on, number="M0001"):
    return MeteringRecord.objects.create(
        application=app,
        meter_number=number,
        installed_on=installed_on,
        imported_at=local(2026, 3, 10, 9),
    )


@pytest.fixture
def energized(make_app, walker):
    """A resident application energized Thu 5 Mar 2026 09:00 (accepted Mon 2 Mar)."""
    app = make_app("lv_resident", at=local(2026, 3, 2, 9))
    app = walker.walk(app, until=State.ARCHIVE, start=local(2026, 3, 2, 9))
    assert timezone.localdate(app.energized_at) == date(2026, 3, 5)
    return app


def test_a_meter_installed_before_energization_opens_a_case(energized, staff):
    record = meter(energized, date(2026, 3, 4))
    assert run("meter_before_energization", NOW) == 1
    (case,) = cases_of("meter_before_energization")
    assert (
        case.evidence_text == "装表记录显示电能表M0001已于2026-03-04装表，系统送电日期为2026-03-05"
    )
    assert case.evidence_key == f"metering:{record.pk}"
    assert case.responsible == staff["customer_manager"]


def test_a_meter_installed_on_the_day_of_energization_is_fine(energized):
    meter(energized, date(2026, 3, 5))
    assert run("meter_before_energization", NOW) == 0


def test_a_meter_on_site_while_the_system_is_still_in_scheme(make_app, walker):
    app = walker.step(make_app("lv_business", at=local(2026, 3, 2, 9)), local(2026, 3, 2, 15))
    meter(app, date(2026, 3, 9))
    assert run("meter_before_energization", NOW) == 1
    assert run("meter_before_energization", NOW) == 0  # rerun: nothing new
    (case,) = cases_of("meter_before_energization")
    assert case.evidence_text == (
        "装表记录显示电能表M0001已于2026-03-09装表，系统尚未送电（当前环节：勘查及方案答复）"
    )


def test_a_meter_imported_the_day_it_went_in_waits_for_the_day_to_end(make_app, walker):
    app = walker.step(make_app("lv_business", at=local(2026, 3, 2, 9)), local(2026, 3, 2, 15))
    meter(app, date(2026, 3, 16))
    assert run("meter_before_energization", NOW) == 0
    assert run("meter_before_energization", local(2026, 3, 17, 2)) == 1


# --- (d) first contact ------------------------------------------------------------------------


def contact(app, at, channel=ContactChannel.HOTLINE, **kwargs):
    return CustomerContact.objects.create(
        application=app,
        customer=app.customer,
        unit=app.unit,
        channel=channel,
        contacted_at=at,
        **kwargs,
    )


def test_first_contact_three_working_days_before_acceptance(make_app):
    app = make_app("lv_business", at=local(2026, 3, 6, 10))  # Friday
    contact(app, local(2026, 3, 3, 9))  # Tuesday: Wed, Thu, Fri = 3 working days
    contact(app, local(2026, 3, 5, 9), channel=ContactChannel.APP)
    assert run("first_contact_early", NOW) == 1
    (case,) = cases_of("first_contact_early")
    assert (
        case.evidence_text == "客户首次接触（95598，2026-03-03）早于系统受理（2026-03-06）3个工作日"
    )
    assert (case.evidence["working_days"], case.evidence["limit"]) == (3, 2)
    assert run("first_contact_early", NOW) == 0


def test_first_contact_two_working_days_before_is_within_the_limit(make_app):
    app = make_app("lv_business", at=local(2026, 3, 6, 10))
    contact(app, local(2026, 3, 4, 9))  # Thu, Fri = 2
    assert run("first_contact_early", NOW) == 0


def test_a_weekend_does_not_count(make_app):
    app = make_app("lv_business", at=local(2026, 3, 10, 10))  # Tuesday
    contact(app, local(2026, 3, 6, 18))  # Friday evening: Mon, Tue = 2
    assert run("first_contact_early", NOW) == 0


def test_the_threshold_is_a_parameter(make_app):
    rule_row = rule("first_contact_early")
    rule_row.parameters = {"working_days": 3}
    rule_row.save()
    app = make_app("lv_business", at=local(2026, 3, 6, 10))
    contact(app, local(2026, 3, 3, 9))
    assert run("first_contact_early", NOW) == 0


def test_a_contact_recorded_against_the_customer_only_counts(make_app):
    app = make_app("lv_business", at=local(2026, 3, 6, 10))
    CustomerContact.objects.create(
        customer=app.customer,
        unit=app.unit,
        channel=ContactChannel.FIELD,
        contacted_at=local(2026, 3, 2, 15),
    )
    assert run("first_contact_early", NOW) == 1
    (case,) = cases_of("first_contact_early")
    assert (
        case.evidence_text
        == "客户首次接触（现场接触，2026-03-02）早于系统受理（2026-03-06）4个工作日"
    )


# --- (e) repeated visits ----------------------------------------------------------------------


def test_two_counter_visits_for_one_application(make_app):
    app = make_app("lv_business", at=local(2026, 3, 2, 10))
    contact(app, local(2026, 3, 2, 9), channel=ContactChannel.COUNTER)
    contact(app, local(2026, 3, 5, 14), channel=ContactChannel.COUNTER)
    contact(app, local(2026, 3, 4, 14), channel=ContactChannel.PHONE)  # a call is not a visit
    assert run("repeated_visits", NOW) == 1
    (case,) = cases_of("repeated_visits")
    assert case.evidence_text == "客户为同一申请到厅2次（2026-03-02、2026-03-05）"
    assert case.evidence_key == f"application:{app.pk}"

    contact(app, local(2026, 3, 9, 14), channel=ContactChannel.COUNTER)
    assert run("repeated_visits", NOW) == 0  # a third visit: the same case, not a second
    assert len(cases_of("repeated_visits")) == 1


def test_one_visit_is_no_case(make_app):
    app = make_app("lv_business", at=local(2026, 3, 2, 10))
    contact(app, local(2026, 3, 2, 9), channel=ContactChannel.COUNTER)
    assert run("repeated_visits", NOW) == 0


# --- (b) projects -----------------------------------------------------------------------------


@pytest.fixture
def scheme_with_project(make_app, walker, staff):
    """An application in its scheme stage (from 2 Mar 15:00) and the project built for it."""
    app = walker.step(
        make_app("lv_business", at=local(2026, 3, 2, 9), has_grid_works=True),
        local(2026, 3, 2, 15),
    )
    project = create_project(
        user=staff["project_manager"],
        project=Project(
            name="幸福路配套线路", unit=app.unit, project_manager=staff["project_manager"]
        ),
        applications=[app],
        at=local(2026, 3, 3, 9),
    )
    return app, project


def progress(project, staff, percent, day):
    report_progress(
        user=staff["project_manager"],
        project=project,
        percent=percent,
        text=f"完成{percent}%",
        at=local(2026, 3, day, 17),
    )


def test_works_reported_complete_while_the_application_is_in_scheme(scheme_with_project, staff):
    app, project = scheme_with_project
    progress(project, staff, 100, 12)
    # The report's own signal opened the case; the daily scan finds nothing more.
    assert run("project_ahead", NOW) == 0
    (case,) = cases_of("project_ahead")
    assert case.evidence_text == f"配套工程{project.number}已报进度100%，申请仍在“勘查及方案答复”"
    assert (case.project, case.application) == (project, app)
    assert case.found_at == local(2026, 3, 12, 17)


def test_the_scan_catches_a_completion_whose_signal_was_missed(scheme_with_project, staff):
    app, project = scheme_with_project
    rule_row = rule("project_ahead")
    rule_row.enabled = False
    rule_row.save()
    progress(project, staff, 100, 12)
    assert cases_of("project_ahead") == []

    rule_row.enabled = True
    rule_row.save()
    assert run("project_ahead", NOW) == 1
    assert run("project_ahead", NOW) == 0
    assert [c.application for c in cases_of("project_ahead")] == [app]


def test_works_in_progress_or_an_application_past_its_scheme_is_fine(
    scheme_with_project, walker, staff
):
    app, project = scheme_with_project
    progress(project, staff, 60, 10)
    assert run("project_ahead", NOW) == 0
    walker.step(app, local(2026, 3, 11, 9))  # scheme replied: grid works stage
    progress(project, staff, 100, 12)
    assert run("project_ahead", NOW) == 0


# --- Running ----------------------------------------------------------------------------------


def test_every_rule_is_seeded_and_enabled(db):
    from monitoring.models import DetectionRule

    assert sorted(DetectionRule.objects.filter(enabled=True).values_list("code", flat=True)) == [
        "callback_mismatch",
        "customer_report",  # cases opened from the customer pages; its scan finds nothing
        "first_contact_early",
        "meter_before_energization",
        "project_ahead",
        "random_check",  # cases opened from a random check's page; its scan finds nothing
        "repeated_visits",
    ]
    assert rule("first_contact_early").parameters == {"working_days": 2}


def test_the_command_runs_the_rules_and_records_the_run(make_app, capsys):
    app = make_app("lv_business", at=local(2026, 3, 2, 10))
    contact(app, local(2026, 3, 2, 9), channel=ContactChannel.COUNTER)
    contact(app, local(2026, 3, 3, 9), channel=ContactChannel.COUNTER)
    call_command("run_detection", "--rule", "repeated_visits")
    assert capsys.readouterr().out == "repeated_visits: 1\n"
    assert rule("repeated_visits").last_found == 1


def test_the_task_runs_every_enabled_rule(applied_elsewhere):
    from monitoring import tasks

    assert tasks.run_detection() == {
        "callback_mismatch": 0,
        "meter_before_energization": 0,
        "first_contact_early": 0,
        "repeated_visits": 0,
        "project_ahead": 0,
        "random_check": 0,
        "customer_report": 0,
    }


def test_dismissing_needs_a_reason_and_is_recorded(case, staff):
    from applications.services.errors import TransitionRefused

    with pytest.raises(TransitionRefused) as caught:
        detection.handle_case(case, staff["inspector"], confirm=False, reason=" ")
    assert caught.value.reasons == ["排除线索须说明理由。"]
    case = detection.handle_case(
        case, staff["inspector"], confirm=False, reason="客户记错，系已代办", at=NOW
    )
    assert (case.status, case.dismiss_reason, case.handled_by, case.handled_at) == (
        "dismissed",
        "客户记错，系已代办",
        staff["inspector"],
        NOW,
    )


def test_a_customer_manager_cannot_handle_cases(case, staff):
    from applications.services.errors import TransitionRefused

    with pytest.raises(TransitionRefused) as caught:
        detection.handle_case(case, staff["customer_manager"], confirm=True)
    assert caught.value.reasons == ["您没有“核实或排除监督线索”的权限。"]


def test_a_manual_case_has_no_rule(unit):
    manual = SupervisionCase.objects.create(
        source=CaseSource.CUSTOMER_REPORT, unit=unit, evidence_text="客户举报", found_at=NOW
    )
    assert manual.rule is None and str(manual) == "无工单 客户反映/举报"


def test_cancelled_application_with_a_meter(make_app, staff):
    app = make_app("lv_business", at=local(2026, 3, 2, 9))
    perform_transition(
        application=app,
        name="cancel",
        user=staff["supervisor"],
        comment="客户撤回",
        at=local(2026, 3, 3, 9),
    )
    meter(app, date(2026, 3, 5))
    assert run("meter_before_energization", NOW) == 1
