"""Identity and phone numbers: masked for those who do not need them, whole (and logged) for
those who do, in lists, change pages, history, callbacks and exports."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from openpyxl import load_workbook

from applications import privacy, roles
from applications.demo import make_staff
from applications.models import Customer, ImmutableRecord, PersonalDataAccess

RESIDENT_ID = "330106198301020010"  # make_app()'s first customer (demo.resident_id(1))
PHONE = "13800000001"


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("330106198301020010", "330106********0010"),
        ("91330106MA00000029", "913301********0029"),
        ("330106830102001", "330106*****2001"),  # old 15-digit ID
        ("E12345678", "E1*****78"),  # passport
        ("123456", "******"),
        ("", ""),
        (None, ""),
    ],
)
def test_identity_numbers_keep_region_code_and_last_four(value, masked):
    assert privacy.mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),
        ("0571-87654321", "0571-****4321"),
        ("057187654321", "0571****4321"),
        ("0571-87654321-808", "0571-****4321-808"),
        ("95598", "*5598"),
        ("", ""),
    ],
)
def test_phone_numbers_keep_prefix_and_last_four(value, masked):
    assert privacy.mask_phone(value) == masked


@pytest.fixture
def app(make_app):
    return make_app()


def customer_url(customer):
    return reverse("admin:applications_customer_change", args=[customer.pk])


def app_url(app, **query):
    url = reverse("admin:applications_application_change", args=[app.pk])
    return url + ("?reveal=personal" if query.get("reveal") else "")


def test_who_sees_whole_numbers(staff, app, unit):
    other_cm = make_staff("cm2", role=roles.CUSTOMER_MANAGER, unit=unit)
    assert privacy.sees_personal_data(staff["front_desk"])
    assert privacy.sees_personal_data(staff["inspector"])
    for role in ("supervisor", "project_manager", "customer_manager"):
        assert not privacy.sees_personal_data(staff[role]), role
    # The application's own customer manager, on that application and its customer only.
    assert privacy.sees_personal_data(staff["customer_manager"], application=app)
    assert privacy.sees_personal_data(staff["customer_manager"], customer=app.customer)
    assert not privacy.sees_personal_data(other_cm, application=app)
    assert not privacy.sees_personal_data(staff["supervisor"], customer=app.customer)


@pytest.mark.parametrize("role", ["front_desk", "inspector", "supervisor", "customer_manager"])
def test_customer_list_is_masked_for_everyone(client, staff, app, role):
    client.force_login(staff[role])
    page = client.get(reverse("admin:applications_customer_changelist")).text
    assert "330106********0010" in page and "138****0001" in page
    assert RESIDENT_ID not in page and PHONE not in page


def test_search_by_a_whole_number_still_finds_the_customer(client, staff, app):
    client.force_login(staff["supervisor"])
    url = reverse("admin:applications_customer_changelist")
    page = client.get(url, {"q": RESIDENT_ID}).text
    assert "居民客户1" in page and "330106********0010" in page  # the row stays masked


def test_front_desk_edits_whole_numbers_and_the_view_is_logged(client, staff, app):
    client.force_login(staff["front_desk"])
    page = client.get(customer_url(app.customer), REMOTE_ADDR="10.1.2.3")
    assert f'value="{RESIDENT_ID}"' in page.text and f'value="{PHONE}"' in page.text
    (entry,) = PersonalDataAccess.objects.all()
    assert (entry.user, entry.action, entry.subject) == (staff["front_desk"], "view", "居民客户1")
    assert (entry.object_model, entry.object_id) == ("applications.customer", str(app.customer.pk))
    assert (entry.rows, entry.ip_address) == (1, "10.1.2.3")


def test_supervisor_sees_the_customer_masked_and_cannot_change_the_numbers(client, staff, app):
    # Even with the right to change customers: the numbers are not theirs to see or edit.
    staff["supervisor"].user_permissions.add(Permission.objects.get(codename="change_customer"))
    client.force_login(staff["supervisor"])
    page = client.get(customer_url(app.customer)).text
    assert "330106********0010" in page and "138****0001" in page
    assert RESIDENT_ID not in page and PHONE not in page
    assert 'name="id_number"' not in page
    assert not PersonalDataAccess.objects.exists()


def test_customer_history_masks_changed_numbers(client, staff, app):
    customer = app.customer
    customer.phone = "13900000002"
    customer.save()
    client.force_login(staff["supervisor"])
    page = client.get(reverse("admin:applications_customer_history", args=[customer.pk])).text
    assert "138****0001" in page and "139****0002" in page
    assert PHONE not in page and "13900000002" not in page


def test_application_page_reveals_whole_numbers_on_request_and_logs_it(client, staff, app):
    client.force_login(staff["customer_manager"])
    page = client.get(app_url(app)).text
    assert "330106********0010" in page and "显示完整证件号" in page
    assert not PersonalDataAccess.objects.exists()

    page = client.get(app_url(app, reveal=True)).text
    assert RESIDENT_ID in page and PHONE in page
    (entry,) = PersonalDataAccess.objects.all()
    assert entry.user == staff["customer_manager"]
    assert entry.subject == f"{app.number} 居民客户1"


def test_reveal_is_refused_to_those_without_the_right(client, staff, app):
    client.force_login(staff["project_manager"])
    page = client.get(app_url(app, reveal=True)).text
    assert "330106********0010" in page and RESIDENT_ID not in page
    assert "显示完整证件号" not in page
    assert not PersonalDataAccess.objects.exists()


def test_access_log_is_append_only_and_read_only_in_the_admin(client, staff, app):
    client.force_login(staff["front_desk"])
    client.get(customer_url(app.customer))
    entry = PersonalDataAccess.objects.get()
    entry.rows = 0
    with pytest.raises(ImmutableRecord, match="个人信息访问记录不可修改"):
        entry.save()
    with pytest.raises(ImmutableRecord, match="个人信息访问记录不可删除"):
        entry.delete()
    with pytest.raises(ImmutableRecord):
        PersonalDataAccess.objects.all().delete()

    log = reverse("admin:applications_personaldataaccess_changelist")
    for role in ("inspector", "supervisor"):
        client.force_login(staff[role])
        assert "居民客户1" in client.get(log).text
        change = reverse("admin:applications_personaldataaccess_change", args=[entry.pk])
        assert client.post(change, {"subject": "x"}).status_code == 403
    for role in ("front_desk", "customer_manager"):
        client.force_login(staff[role])
        assert client.get(log).status_code == 403
    assert Customer.objects.count() == 1


EXPORT_URL = reverse("admin:applications_application_export")


def export(client, user):
    client.force_login(user)
    form = client.get(EXPORT_URL).context["form"]
    columns = {name: "on" for name, field in form.fields.items() if field.initial is True}
    response = client.post(EXPORT_URL, {"format": "0", "resource": "0", **columns})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    return dict(zip(rows[0], rows[1], strict=True))


def test_front_desk_exports_whole_numbers_as_text_and_it_is_logged(client, staff, app):
    values = export(client, staff["front_desk"])
    assert (values["证件号码"], values["联系电话"]) == (RESIDENT_ID, PHONE)
    (entry,) = PersonalDataAccess.objects.all()
    assert (entry.action, entry.subject, entry.rows, entry.masked) == (
        "export",
        "业扩台账导出",
        1,
        False,
    )


def test_supervisor_exports_masked_numbers_and_it_is_logged(client, staff, app):
    values = export(client, staff["supervisor"])
    assert (values["证件号码"], values["联系电话"]) == ("330106********0010", "138****0001")
    (entry,) = PersonalDataAccess.objects.all()
    assert (entry.user, entry.rows, entry.masked) == (staff["supervisor"], 1, True)


def test_callbacks_list_masks_the_phone_and_the_record_page_shows_it_to_the_caller(
    client, staff, app
):
    callback = app.callbacks.get()
    assert callback.assigned_to == staff["supervisor"]
    client.force_login(staff["supervisor"])
    listing = client.get(reverse("admin:monitoring_callback_changelist"), {"todo": "all"}).text
    assert "138****0001" in listing and PHONE not in listing
    assert not PersonalDataAccess.objects.exists()

    record = client.get(reverse("admin:monitoring_callback_record", args=[callback.pk])).text
    assert f'<strong id="customer-phone">{PHONE}</strong>' in record
    (entry,) = PersonalDataAccess.objects.all()
    assert (entry.user, entry.object_model) == (staff["supervisor"], "applications.customer")


def test_callback_record_page_masks_the_phone_for_a_reader_who_does_not_call(
    client, staff, app, unit
):
    callback = app.callbacks.get()
    # Reads callbacks, records none: sees the list and the page, never the whole number.
    reader = make_staff("reader", role=None, unit=unit)
    reader.user_permissions.add(Permission.objects.get(codename="view_callback"))
    client.force_login(reader)
    record = client.get(reverse("admin:monitoring_callback_record", args=[callback.pk])).text
    assert '<strong id="customer-phone">138****0001</strong>' in record
    assert not PersonalDataAccess.objects.exists()
