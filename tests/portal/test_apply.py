"""Applying online: the application enters the lifecycle as at the counter; uploads are
checked by content and size, kept outside the web root and opened only by staff (logged)."""

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings

from applications import roles
from applications.demo import make_staff
from applications.models import Application, PersonalDataAccess, TransitionLog
from monitoring.models import StageClock
from portal.models import CustomerDocument

from .conftest import EXE, PDF, PHONE, PNG, docx, upload


def zipped() -> bytes:
    """A zip that is not a Word document (no word/document.xml)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.txt", "not a document")
    return buffer.getvalue()


def post_apply(client, data, **files):
    files = files or {"identity_document": upload("身份证.pdf", PDF)}
    return client.post("/apply/", {**data, **files})


def test_apply_creates_an_application_with_its_clock_and_channel(client, apply_data):
    response = post_apply(
        client,
        apply_data,
        identity_document=upload("身份证.pdf", PDF),
        property_document=upload("房产证.png", PNG, "image/png"),
        licence_document=upload("执照.docx", docx(), "application/octet-stream"),
    )
    assert response.status_code == 302, response.context["form"].errors
    assert response.url == "/apply/done/"
    app = Application.objects.get()
    assert (app.channel, app.state, app.accepted_by) == ("online", "accept", None)
    assert app.customer.phone == PHONE and app.supply_voltage == "220V"
    clock = StageClock.objects.get(application=app, stage="accept")
    assert clock.outcome == "open" and clock.due_at > app.accepted_at
    log = TransitionLog.objects.get(application=app)
    assert (log.transition, log.actor, log.comment) == ("create", None, "客户通过客户网页在线申请")
    # Every document of the class starts missing: staff check the uploads and receive them.
    assert set(app.materials.values_list("status", flat=True)) == {"missing"}

    done = client.get("/apply/done/").content.decode()
    assert app.number in done

    kinds = dict(CustomerDocument.objects.values_list("kind", "content_kind"))
    assert kinds == {"identity": "pdf", "property": "png", "licence": "docx"}
    for document in CustomerDocument.objects.all():
        path = Path(document.file.path)
        assert path.is_relative_to(Path(settings.MEDIA_ROOT) / "portal" / "documents")
        assert "身份证" not in path.name and "房产证" not in path.name  # random names on disk
        assert not path.is_relative_to(Path(settings.STATIC_ROOT))


def test_the_front_desk_of_the_unit_is_told(client, apply_data, staff):
    from monitoring.models import Notification

    post_apply(client, apply_data)
    app = Application.objects.get()
    told = Notification.objects.get()
    assert told.recipient == staff["front_desk"]
    assert told.title == f"新的线上申请：{app.number}"
    assert told.link == f"/admin/applications/application/{app.pk}/change/"


def test_the_applicant_may_follow_the_application_at_once(client, apply_data):
    post_apply(client, apply_data)
    page = client.get("/progress/").content.decode()
    assert Application.objects.get().number in page and "① 业务受理" in page
    assert "户主身份证明（已在线上传，待工作人员核验）" in page


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("身份证.pdf", EXE, "文件是可执行程序或脚本，不能上传"),
        ("身份证.pdf", b"just some text, not a pdf", "文件内容不是允许的类型"),
        ("身份证.docx", zipped(), "文件内容不是允许的类型"),
    ],
    ids=["exe-named-pdf", "text-named-pdf", "zip-named-docx"],
)
def test_uploads_are_judged_by_their_content(client, apply_data, name, content, message):
    response = post_apply(client, apply_data, identity_document=upload(name, content))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Application.objects.exists() and not CustomerDocument.objects.exists()


def test_uploads_over_the_size_limit_are_refused(client, apply_data, settings):
    settings.YEKUO_UPLOAD_MAX_MB = 1
    big = PDF + b"0" * (1024 * 1024)
    response = post_apply(client, apply_data, identity_document=upload("身份证.pdf", big))
    assert "文件过大" in response.content.decode()
    assert not Application.objects.exists()


def test_the_identity_document_is_required(client, apply_data):
    response = client.post("/apply/", apply_data)
    assert response.status_code == 200 and not Application.objects.exists()
    assert "这个字段是必填项。" in response.content.decode()


def test_a_known_customer_with_another_phone_is_refused(client, apply_data):
    post_apply(client, apply_data)
    response = post_apply(client, {**apply_data, "phone": "13700000000"})
    assert "所填联系电话与档案不一致" in response.content.decode()
    assert Application.objects.count() == 1


def test_applications_are_throttled_per_phone_and_per_address(client, apply_data, settings):
    settings.YEKUO_PORTAL_APPLY_PER_PHONE = 1
    assert post_apply(client, apply_data).status_code == 302
    again = post_apply(client, apply_data)
    assert again.status_code == 429 and "操作过于频繁" in again.content.decode()
    settings.YEKUO_PORTAL_APPLY_PER_PHONE = 100
    settings.YEKUO_PORTAL_APPLY_PER_IP = 2  # this address has made 2 attempts already
    other = {**apply_data, "phone": "13600000000", "id_number": "110101199003070011"}
    assert post_apply(client, other).status_code == 429
    assert Application.objects.count() == 1


def test_the_form_needs_its_csrf_token(apply_data):
    from django.test import Client

    response = post_apply(Client(enforce_csrf_checks=True), apply_data)
    assert response.status_code == 403 and not Application.objects.exists()


def test_documents_are_served_only_to_staff_and_each_opening_is_logged(
    client, apply_data, staff, other_unit
):
    post_apply(client, apply_data)
    document = CustomerDocument.objects.get()
    url = f"/admin/portal/customerdocument/{document.pk}/file/"
    assert (
        not settings.MEDIA_URL.startswith("/media")
        or client.get(f"/{settings.MEDIA_URL}{document.file.name}").status_code == 404
    )  # no URL serves the media folder

    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous.url

    stranger = make_staff("cm_other", role=roles.CUSTOMER_MANAGER, unit=other_unit)
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    assert not PersonalDataAccess.objects.exists()

    client.force_login(staff["front_desk"])
    change = client.get(f"/admin/applications/application/{document.application_id}/change/")
    assert f'href="{url}"' in change.content.decode()  # the uploads beside the materials
    logged_before = PersonalDataAccess.objects.count()
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert PersonalDataAccess.objects.count() == logged_before + 1
    entry = PersonalDataAccess.objects.latest("pk")
    assert (entry.user, entry.action, entry.object_id) == (
        staff["front_desk"],
        "view",
        str(document.pk),
    )
    assert document.application.number in entry.subject
