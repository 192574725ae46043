"""The random-check admin: draw, record, one click to a case, Excel, and no delete."""

from io import BytesIO

from django.urls import reverse
from openpyxl import load_workbook

from monitoring.models import RandomCheck, SupervisionCase

from .conftest import accepted_in_march


def test_inspector_draws_records_and_opens_one_case(client, unit, staff):
    accepted_in_march(unit, 5, manager=staff["customer_manager"])
    client.force_login(staff["inspector"])
    draw_url = reverse("admin:monitoring_randomcheck_draw")
    assert client.get(draw_url).status_code == 200
    response = client.post(
        draw_url,
        {
            "kind": "inspection",
            "unit": unit.pk,
            "period_start": "2026-03-01",
            "period_end": "2026-03-31",
            "stratify_by": "none",
            "sample_size": 2,
            "seed": 99,
        },
    )
    assert response.status_code == 302
    check = RandomCheck.objects.get()
    assert (check.seed, check.population_size, check.items.count()) == (99, 5, 2)
    page = client.get(reverse("admin:monitoring_randomcheck_change", args=[check.pk]))
    body = page.content.decode()
    assert "一致：按记录的种子和总体重新抽样，得到的正是本样本。" in body
    assert "全部：总体5，抽取2" in body

    item = check.items.order_by("pk").first()
    record = reverse("admin:monitoring_randomcheck_record", args=[item.pk])
    response = client.post(
        record, {"paper_result": "disagree", "site_result": "agree", "notes": "纸质档案缺勘查单"}
    )
    assert response.status_code == 302
    case_url = reverse("admin:monitoring_randomcheck_case", args=[item.pk])
    assert client.post(case_url).status_code == 302
    assert client.post(case_url).status_code == 302  # clicked twice
    all_url = reverse("admin:monitoring_randomcheck_cases", args=[check.pk])
    assert client.post(all_url).status_code == 302
    case = SupervisionCase.objects.get()
    assert case.evidence_text.endswith("系统与纸质档案不一致——纸质档案缺勘查单")

    export = client.get(reverse("admin:monitoring_randomcheck_export", args=[check.pk]))
    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("工单编号", "所在层", "系统与纸质档案", "系统与现场")
    assert [r[2] for r in rows[1:]] == ["不一致", "未核查"]


def test_nobody_deletes_a_check_and_others_may_not_draw(client, unit, staff):
    accepted_in_march(unit, 2)
    from .conftest import draw

    check = draw(staff["inspector"], unit, sample_size=1)
    client.force_login(staff["inspector"])
    delete = reverse("admin:monitoring_randomcheck_delete", args=[check.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert RandomCheck.objects.count() == 1
    client.force_login(staff["customer_manager"])
    assert client.get(reverse("admin:monitoring_randomcheck_draw")).status_code == 403
