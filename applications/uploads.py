"""Uploaded files are judged by what their bytes are, never by their name or browser type.

A .exe renamed to .pdf starts with "MZ", not "%PDF-", and is refused. Each kind is a small
check of the file's first bytes (PDF, JPEG, PNG, the legacy Excel OLE2 container) or, for
Office Open XML (xlsx, docx), of the zip's directory: a zip is only a workbook if it holds
xl/workbook.xml, only a document if it holds word/document.xml. We do this ourselves rather
than with `filetype` (PyPI, last release 2022): its OOXML detection depends on the order of
entries inside the zip, which differs between Excel, WPS and openpyxl.

    from applications.uploads import DOCUMENT_KINDS, UploadValidator
    file = models.FileField(validators=[UploadValidator(DOCUMENT_KINDS)])

Sizes: YEKUO_UPLOAD_MAX_MB (documents, default 10) and YEKUO_IMPORT_MAX_MB (ledgers, 200).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _

_HEAD = 8192


@dataclass(frozen=True)
class FileKind:
    code: str
    label: str
    matches: Callable[[bytes, object], bool]  # (first bytes, the file) → is it this kind


def _ooxml(main_part: str) -> Callable[[bytes, object], bool]:
    def matches(head: bytes, file) -> bool:
        if not head.startswith(b"PK\x03\x04"):
            return False
        file.seek(0)
        try:
            with zipfile.ZipFile(file) as archive:  # reads the directory, extracts nothing
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
        return "[Content_Types].xml" in names and main_part in names

    return matches


def _text(head: bytes, file) -> bool:
    """CSV and other plain text: no NUL bytes, decodes as UTF-8 or GB18030 (GBK's superset)."""
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4:  # a character cut by the end of the sample
                return True
            continue
        return True
    return False


KINDS: dict[str, FileKind] = {
    kind.code: kind
    for kind in (
        FileKind("pdf", "PDF", lambda head, _f: head.startswith(b"%PDF-")),
        FileKind("jpeg", "JPEG", lambda head, _f: head.startswith(b"\xff\xd8\xff")),
        FileKind("png", "PNG", lambda head, _f: head.startswith(b"\x89PNG\r\n\x1a\n")),
        FileKind("xlsx", "Excel (.xlsx)", _ooxml("xl/workbook.xml")),
        FileKind("docx", "Word (.docx)", _ooxml("word/document.xml")),
        FileKind(
            "xls",
            "Excel 97-2003 (.xls)",
            lambda head, _f: head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
        ),
        FileKind("csv", "CSV", _text),
    )
}
# What customers hand in (identity, property or lease proof, licence): scans, photos, forms.
DOCUMENT_KINDS = ("pdf", "jpeg", "png", "docx")
# Ledgers brought in by the import.
LEDGER_KINDS = ("xlsx", "xls", "csv")

# Executables are named in the refusal: a renamed program is worth saying out loud.
_EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xce", b"#!")


def _max_bytes(setting: str, default_mb: int) -> int:
    return int(getattr(settings, setting, default_mb)) * 1024 * 1024


def document_max_bytes() -> int:
    return _max_bytes("YEKUO_UPLOAD_MAX_MB", 10)


def import_max_bytes() -> int:
    return _max_bytes("YEKUO_IMPORT_MAX_MB", 200)


def detect(file, kinds: Iterable[str]) -> str | None:
    """The first of `kinds` the file's content is, or None. The file is rewound after."""
    file.seek(0)
    head = file.read(_HEAD)
    try:
        for code in kinds:
            if KINDS[code].matches(head, file):
                return code
        return None
    finally:
        file.seek(0)


def validate_upload(file, kinds: Iterable[str], *, max_bytes: int | None = None) -> str:
    """Refuse (ValidationError, in Chinese) an empty, too big or wrong-content file.

    Returns the kind found. `file` is an uploaded file or any seekable binary file object.
    """
    kinds = tuple(kinds)
    limit = document_max_bytes() if max_bytes is None else max_bytes
    size = getattr(file, "size", None)
    if size is None:
        size = file.seek(0, 2)
    if not size:
        raise ValidationError(_("文件是空的。"), code="empty_file")
    if size > limit:
        raise ValidationError(
            _("文件过大（%(size)s），最大允许 %(limit)s。")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            code="file_too_large",
        )
    found = detect(file, kinds)
    if found is not None:
        return found
    file.seek(0)
    head = file.read(4)
    file.seek(0)
    allowed = "、".join(KINDS[k].label for k in kinds)
    if head.startswith(_EXECUTABLE_MAGIC):
        message = _("文件是可执行程序或脚本，不能上传（只接受 %(allowed)s）。")
    else:
        message = _("文件内容不是允许的类型，只接受 %(allowed)s（按文件内容判断，与文件名无关）。")
    raise ValidationError(message % {"allowed": allowed}, code="file_type")


@deconstructible
class UploadValidator:
    """A field validator: `UploadValidator(DOCUMENT_KINDS)` or with `max_mb=` of its own."""

    def __init__(self, kinds: Iterable[str], max_mb: int | None = None):
        self.kinds = tuple(kinds)
        self.max_mb = max_mb

    def __call__(self, file) -> None:
        limit = None if self.max_mb is None else self.max_mb * 1024 * 1024
        validate_upload(file, self.kinds, max_bytes=limit)

    def __eq__(self, other):
        return (
            isinstance(other, UploadValidator)
            and self.kinds == other.kinds
            and self.max_mb == other.max_mb
        )
