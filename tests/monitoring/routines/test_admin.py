"""督办 items in the admin and on the dashboard: each step a page calling its service, buttons
only for who may press them, hand-made POSTs refused, nothing deleted."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from monitoring import deadlines
from monitoring.models import SupervisionItem
from monitoring.routines import items

from .conftest import TITLE, local


def step(item, name):
    return reverse("admin:monitoring_supervisionitem_step", args=[item.pk, name])


def items_block(client, **query) -> list[list[str]]:
    report = client.get("/dashboard/", query).context["report"]
    return [[c.text() for c in row] for row in report.table("supervision_items").rows]


def test_a_leader_sets_an_item_from_the_admin(client, staff, make_app):
    app = make_app("lv_resident")
    client.force_login(staff["supervisor"])
    url = reverse("admin:monitoring_supervisionitem_add")
    due = timezone.localdate().replace(year=timezone.localdate().year + 1)
    form = {
        "title": "台区改造进度督办",
        "problem": "配套工程滞后",
        "owner": staff["project_manager"].pk,
        "due_date": due.isoformat(),
        "application": app.number,
    }
    refused = client.post(url, {**form, "application": "YK-2000-000001"})
    assert "找不到业扩申请“YK-2000-000001”，或不在您的管辖范围。" in refused.content.decode()
    response = client.post(url, form)
    assert response.status_code == 302
    item = SupervisionItem.objects.get()
    assert (item.title, item.owner, item.application, item.set_by) == (
        "台区改造进度督办",
        staff["project_manager"],
        app,
        staff["supervisor"],
    )
    assert deadlines.open_for(item).label == "台区改造进度督办"


def test_a_customer_manager_cannot_set_or_void(client, staff, item):
    client.force_login(staff["customer_manager"])
    assert client.get(reverse("admin:monitoring_supervisionitem_add")).status_code == 403
    assert client.post(step(item, "void"), {"reason": "不想办"}).status_code == 403
    assert client.post(step(item, "retime"), {"reason": "延期"}).status_code == 403
    item.refresh_from_db()
    assert item.status == "open"


def test_the_owner_reports_and_closes_from_the_item_page(client, staff, item):
    client.force_login(staff["customer_manager"])
    page = client.get(reverse("admin:monitoring_supervisionitem_change", args=[item.pk]))
    html = page.content.decode()
    assert step(item, "note") in html and step(item, "close") in html
    assert step(item, "void") not in html
    assert TITLE in html and "item-deadline" in html

    assert client.post(step(item, "note"), {"text": "已联系客户"}).status_code == 302
    refused = client.post(step(item, "close"), {"result": ""})
    assert refused.status_code == 200
    assert client.post(step(item, "close"), {"result": "已全部装表"}).status_code == 302
    item.refresh_from_db()
    assert (item.status, item.result) == ("closed", "已全部装表")
    assert list(item.notes.values_list("text", flat=True)) == ["已联系客户"]


def test_nobody_deletes_an_item(client, staff, item):
    client.force_login(staff["supervisor"])
    delete = reverse("admin:monitoring_supervisionitem_delete", args=[item.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:monitoring_supervisionitem_changelist")
    assert "delete_selected" not in client.get(changelist).content.decode()
    assert SupervisionItem.objects.filter(pk=item.pk).exists()


def test_the_dashboard_lists_open_items_of_the_users_units(client, staff, item, yuhang):
    client.force_login(staff["supervisor"])
    link = "/admin/monitoring/supervisionitem/?status__exact=open"
    rows = items_block(client)
    assert rows[0] == [
        TITLE,
        "西湖供电服务中心",
        "客户经理甲（cm）",
        "主管甲（supervisor）",
        "2026-03-06",
        "已超期",
    ]
    assert rows[-1] == ["合计", "", "", "", "", "1"]
    report = client.get("/dashboard/").context["report"]
    assert report.table("supervision_items").rows[-1][-1].url == link

    client.force_login(yuhang["cm"])  # 余杭 sees none of 西湖's items
    assert items_block(client) == [["合计", "", "", "", "", "0"]]

    items.close_item(item, staff["customer_manager"], result="已办结", at=local(2026, 3, 9, 9))
    client.force_login(staff["supervisor"])
    assert items_block(client) == [["合计", "", "", "", "", "0"]]


@pytest.mark.parametrize("who", ["front_desk", "customer_manager", "inspector"])
def test_everyone_sees_their_units_items(client, staff, item, who):
    client.force_login(staff[who])
    changelist = client.get(reverse("admin:monitoring_supervisionitem_changelist"))
    assert [i.pk for i in changelist.context["cl"].result_list] == [item.pk]


def test_an_item_due_later_shows_its_clock(staff):
    item = items.set_item(
        user=staff["supervisor"],
        title="下月督办",
        problem="描述",
        owner=staff["customer_manager"],
        due_date=date(2026, 3, 31),
        at=local(2026, 3, 2, 10),
    )
    label, colour = deadlines.status(deadlines.open_for(item), local(2026, 3, 3))
    assert (label, colour) == ("计时中", "green")
