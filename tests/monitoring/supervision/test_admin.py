"""The supervision admin: who may draft, the print view, exports, totals, rules switched and run,
and no delete anywhere."""

from io import BytesIO

from django.urls import reverse
from openpyxl import load_workbook

from monitoring.models import ContactChannel, CustomerContact, DetectionRule, SupervisionLetter
from monitoring.supervision import letters

from .conftest import draft_by, local


def test_an_inspector_drafts_a_letter_from_a_case(client, staff, case):
    client.force_login(staff["inspector"])
    url = reverse("admin:monitoring_supervisionletter_draft")
    page = client.get(url, {"cases": str(case.pk)})
    assert page.status_code == 200
    assert "客户不确认本人以此方式申请" in page.content.decode()

    response = client.post(
        url,
        {
            "unit": case.unit.pk,
            "category": "off_system",
            "cases": [case.pk],
            "responsible_staff": [staff["customer_manager"].pk],
            "findings": "受理回访中客户不确认本人申请。",
            "rectification_due": "2099-03-20",
        },
    )
    assert response.status_code == 302
    letter = SupervisionLetter.objects.get()
    assert (letter.status, letter.created_by, list(letter.cases.all())) == (
        "draft",
        staff["inspector"],
        [case],
    )


def test_a_customer_manager_may_not_draft(client, staff):
    client.force_login(staff["customer_manager"])
    assert client.get(reverse("admin:monitoring_supervisionletter_draft")).status_code == 403
    add = reverse("admin:monitoring_supervisionletter_add")
    assert client.get(add, follow=True).status_code == 403


def test_a_customer_manager_sees_and_rectifies_a_letter_naming_them(client, staff, draft):
    letter = letters.issue_letter(draft, staff["inspector"], at=local(2026, 3, 4, 10))
    client.force_login(staff["customer_manager"])
    page = client.get(reverse("admin:monitoring_supervisionletter_change", args=[letter.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "登记整改" in body and "签发</a>" not in body and "作废</a>" not in body
    response = client.post(
        reverse("admin:monitoring_supervisionletter_rectify", args=[letter.pk]),
        {"text": "已整改", "finished": "on"},
    )
    assert response.status_code == 302
    letter.refresh_from_db()
    assert (letter.status, letter.rectified_by) == ("rectified", staff["customer_manager"])


def test_a_refusal_is_shown_on_the_step_page(client, staff, draft):
    client.force_login(staff["inspector"])
    # The draft's rectification date (20 Mar 2026) has passed by the time it is issued.
    page = client.post(reverse("admin:monitoring_supervisionletter_issue", args=[draft.pk]))
    assert page.status_code == 200
    assert "无法办理：整改期限（2026-03-20）已过，请先修改整改期限。" in page.content.decode()


def test_only_the_issuer_gets_the_closing_page(client, staff, draft, other_inspector):
    letter = letters.issue_letter(draft, staff["inspector"], at=local(2026, 3, 4, 10))
    letters.record_rectification(
        letter, staff["customer_manager"], text="已整改", finished=True, at=local(2026, 3, 5, 9)
    )
    url = reverse("admin:monitoring_supervisionletter_close", args=[letter.pk])
    client.force_login(other_inspector)
    assert client.post(url, {"accept": "1"}).status_code == 403
    client.force_login(staff["inspector"])
    assert client.post(url, {"accept": "1", "note": "整改到位"}).status_code == 302
    letter.refresh_from_db()
    assert (letter.status, letter.closed_by) == ("closed", staff["inspector"])


def test_the_print_view(client, staff, draft):
    letter = letters.issue_letter(draft, staff["inspector"], at=local(2026, 3, 4, 10))
    client.force_login(staff["inspector"])
    page = client.get(reverse("admin:monitoring_supervisionletter_print", args=[letter.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    for text in [
        "业务监督意见书",
        "JD-2026-001",
        "@media print",
        "西湖供电服务中心",
        "线外流转",
        "客户经理甲",
        "受理回访（2026-03-02）：客户不确认本人以此方式申请",
        "2026年3月20日",
        "纪检甲",
    ]:
        assert text in body, text


def test_letters_export_to_excel_with_formulas_made_inert(client, staff, unit):
    letter = draft_by(
        staff["inspector"],
        unit=unit,
        responsible=[staff["customer_manager"]],
        category="other",
        findings='=HYPERLINK("http://x","点我")',
    )
    client.force_login(staff["inspector"])
    response = client.post(
        reverse("admin:monitoring_supervisionletter_changelist"),
        {"action": "export_xlsx", "_selected_action": [letter.pk]},
    )
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("意见书编号", "问题类别", "被监督单位", "责任人", "监督发现")
    assert rows[1][:5] == (
        "（草稿）",
        "其他",
        "西湖供电服务中心",
        "客户经理甲（cm）",
        '\'=HYPERLINK("http://x","点我")',
    )


def test_nothing_is_deleted_in_the_admin(client, staff, draft):
    client.force_login(staff["inspector"])
    url = reverse("admin:monitoring_supervisionletter_delete", args=[draft.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    changelist = client.get(reverse("admin:monitoring_supervisionletter_changelist"))
    assert "delete_selected" not in changelist.content.decode()
    assert SupervisionLetter.objects.filter(pk=draft.pk).exists()


def test_the_totals_page(client, staff, march):
    client.force_login(staff["supervisor"])
    url = reverse("admin:monitoring_assessment_totals")
    page = client.get(url, {"start": "2026-03", "end": "2026-03"})
    assert page.status_code == 200
    assert "合计：9 人次，1590.00 元，扣 16.0 分" in page.content.decode()

    sheet = load_workbook(
        BytesIO(client.get(url, {"start": "2026-03", "end": "2026-03", "format": "xlsx"}).content)
    ).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[-1] == ("合计", None, None, 9, 16, 1590)


def test_a_customer_manager_sees_only_their_units_cases(client, staff, case, yuhang):
    client.force_login(yuhang["cm"])
    page = client.get(reverse("admin:monitoring_supervisioncase_changelist"))
    assert page.status_code == 200
    assert case.application.number not in page.content.decode()
    client.force_login(staff["customer_manager"])
    page = client.get(reverse("admin:monitoring_supervisioncase_changelist"))
    assert case.application.number in page.content.decode()


def test_rules_are_switched_and_run_from_the_admin(client, staff, make_app):
    app = make_app("lv_business", at=local(2026, 3, 2, 10))
    for day in (2, 3):
        CustomerContact.objects.create(
            application=app,
            unit=app.unit,
            channel=ContactChannel.COUNTER,
            contacted_at=local(2026, 3, day, 9),
        )
    rule = DetectionRule.objects.get(code="repeated_visits")
    client.force_login(staff["supervisor"])
    changelist = reverse("admin:monitoring_detectionrule_changelist")
    client.post(changelist, {"action": "disable", "_selected_action": [rule.pk]})
    rule.refresh_from_db()
    assert rule.enabled is False
    response = client.post(
        changelist, {"action": "run_now", "_selected_action": [rule.pk]}, follow=True
    )
    assert "1 条规则已停用，未运行。" in response.content.decode()
    client.post(changelist, {"action": "enable", "_selected_action": [rule.pk]})
    response = client.post(
        changelist, {"action": "run_now", "_selected_action": [rule.pk]}, follow=True
    )
    assert "“客户重复往返”新增线索 1 条。" in response.content.decode()


def test_an_inspector_may_run_but_not_switch_rules(client, staff):
    rule = DetectionRule.objects.get(code="repeated_visits")
    client.force_login(staff["inspector"])
    changelist = reverse("admin:monitoring_detectionrule_changelist")
    client.post(changelist, {"action": "disable", "_selected_action": [rule.pk]})
    rule.refresh_from_db()
    assert rule.enabled is True


def test_contact_records_import_and_reimport_without_duplicates(make_app):
    from tablib import Dataset

    from monitoring.admin.supervision import ContactResource

    app = make_app("lv_business", at=local(2026, 3, 6, 10))
    data = Dataset(headers=["接触渠道", "接触时间", "工单编号", "外部编号", "接触内容"])
    data.append(["95598", "2026-03-02 09:30:00", app.number, "GD20260302001", "咨询新装"])
    data.append(["到厅", "2026-03-03 10:00:00", app.number, "TING-01", "补交资料"])
    for _ in range(2):
        result = ContactResource().import_data(data, dry_run=False, raise_errors=True)
        assert not result.has_errors()
    contacts = CustomerContact.objects.order_by("contacted_at")
    assert [(c.channel, c.reference, c.unit, c.customer) for c in contacts] == [
        ("95598", "GD20260302001", app.unit, app.customer),
        ("counter", "TING-01", app.unit, app.customer),
    ]


def test_the_application_page_lists_its_cases(client, staff, case):
    client.force_login(staff["customer_manager"])
    page = client.get(reverse("admin:applications_application_change", args=[case.application_id]))
    body = page.content.decode()
    assert "监督线索" in body and "受理回访（2026-03-02）：客户不确认本人以此方式申请" in body


def test_step_pages_are_refused_to_those_who_may_not_take_the_step(client, staff, draft, case):
    client.force_login(staff["customer_manager"])
    for name, pk in [
        ("admin:monitoring_supervisionletter_issue", draft.pk),
        ("admin:monitoring_supervisionletter_void", draft.pk),
        ("admin:monitoring_supervisioncase_dismiss", case.pk),
    ]:
        assert client.get(reverse(name, args=[pk])).status_code == 403, name
    assert client.get(reverse("admin:monitoring_assessment_add")).status_code == 403
    client.force_login(staff["inspector"])  # writes letters, does not assess
    assert client.get(reverse("admin:monitoring_assessment_add")).status_code == 403
    assert (
        client.get(reverse("admin:monitoring_supervisionletter_issue", args=[draft.pk])).status_code
        == 200
    )
