"""Uploads are judged by their bytes: a renamed program is refused whatever its name says."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from applications.uploads import DOCUMENT_KINDS, LEDGER_KINDS, UploadValidator, validate_upload

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def xlsx() -> bytes:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not an office file")
    return buffer.getvalue()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("身份证.pdf", PDF, "pdf"),
        ("photo.JPG", JPEG, "jpeg"),
        ("scan.png", PNG, "png"),
        ("营业执照.docx", docx(), "docx"),
        ("named-wrongly.pdf", PNG, "png"),  # the content decides, not the name
    ],
)
def test_documents_are_recognised_by_content(name, data, kind):
    assert validate_upload(upload(name, data), DOCUMENT_KINDS) == kind


def test_a_renamed_program_is_refused_in_chinese():
    with pytest.raises(ValidationError) as refused:
        validate_upload(upload("身份证.pdf", EXE), DOCUMENT_KINDS)
    assert refused.value.messages == [
        "文件是可执行程序或脚本，不能上传（只接受 PDF、JPEG、PNG、Word (.docx)）。"
    ]


@pytest.mark.parametrize(
    ("data", "kinds"),
    [
        (plain_zip(), DOCUMENT_KINDS),  # a zip is not a docx without word/document.xml
        (xlsx(), DOCUMENT_KINDS),  # a workbook is not a document
        (b"GIF89a" + b"\x00" * 20, DOCUMENT_KINDS),
        (docx(), ["xlsx"]),
    ],
)
def test_other_content_is_refused_whatever_the_name(data, kinds):
    with pytest.raises(ValidationError, match="按文件内容判断，与文件名无关") as refused:
        validate_upload(upload("file.pdf", data), kinds)
    assert refused.value.code == "file_type"


def test_size_limit_and_empty_files(settings):
    settings.YEKUO_UPLOAD_MAX_MB = 1
    big = PDF + b"0" * (1024 * 1024)
    with pytest.raises(ValidationError) as refused:
        validate_upload(upload("big.pdf", big), DOCUMENT_KINDS)
    assert refused.value.messages == ["文件过大（1.0\xa0MB），最大允许 1.0\xa0MB。"]
    with pytest.raises(ValidationError, match="文件是空的"):
        validate_upload(upload("empty.pdf", b""), DOCUMENT_KINDS)


def test_field_validator_is_reusable_on_model_fields():
    validator = UploadValidator(DOCUMENT_KINDS, max_mb=5)
    validator(upload("a.pdf", PDF))
    with pytest.raises(ValidationError):
        validator(upload("a.pdf", EXE))
    assert validator == UploadValidator(DOCUMENT_KINDS, max_mb=5)
    assert validator.deconstruct()[2] == {"max_mb": 5}


def test_ledger_kinds_take_spreadsheets_and_text():
    assert validate_upload(upload("台账.xlsx", xlsx()), LEDGER_KINDS) == "xlsx"
    assert (
        validate_upload(upload("台账.csv", "工单编号,户名\n".encode("gbk")), LEDGER_KINDS) == "csv"
    )
    with pytest.raises(ValidationError):
        validate_upload(upload("台账.xlsx", PDF + b"\x00\x01"), LEDGER_KINDS)


def test_ledger_import_refuses_a_renamed_program(client, staff):
    client.force_login(staff["front_desk"])
    response = client.post(
        reverse("admin:applications_application_import"),
        {"import_file": upload("台账.xlsx", EXE), "format": "0", "resource": "0"},
    )
    assert response.status_code == 200
    assert "文件是可执行程序或脚本，不能上传" in response.text
