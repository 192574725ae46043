"""Fixtures of the customer pages: files, form data, a clean cache, no timing floor."""

import io
import zipfile
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from applications.demo import resident_id
from applications.models import StaffProfile

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00" + b"\x00" * 64
PHONE = "13912345678"


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type="application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture(autouse=True)
def portal_settings(settings, tmp_path):
    """Uploads into a temporary MEDIA_ROOT; no least answer time unless a test asks; the
    throttle counters and codes (in the cache) start from nothing."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.YEKUO_PORTAL_LOOKUP_MIN_MS = 0
    cache.clear()
    yield settings
    cache.clear()


@pytest.fixture
def apply_data(unit):
    """The apply form filled in for a resident (documents added by each test)."""
    return {
        "customer_class": "lv_resident",
        "business_type": "new",
        "requested_capacity_kva": "8",
        "unit": unit.pk,
        "site_address": "西湖区文三路100号",
        "name": "王小明",
        "kind": "person",
        "id_type": "resident_id",
        "id_number": resident_id(4242),
        "contact_name": "王小明",
        "phone": PHONE,
    }


@pytest.fixture
def make_online(unit, staff):
    """Applications made on the customer pages (at `at`), then given a customer manager."""
    from portal.services.apply import apply_online

    manager = staff["customer_manager"]
    StaffProfile.objects.filter(user=manager).update(work_phone="0571-88886666")
    serials = iter(range(4243, 5000))

    def make(at=None, phone=PHONE):
        app = apply_online(
            unit=unit,
            customer_class="lv_resident",
            business_type="new",
            requested_capacity_kva=Decimal("8"),
            site_address="西湖区文三路100号",
            is_small_micro=False,
            name="王小明",
            kind="person",
            id_type="resident_id",
            id_number=resident_id(next(serials)),
            contact_name="王小明",
            phone=phone,
            documents=[],
            at=at,
        )
        app.customer_manager = manager
        app.save(update_fields=["customer_manager"])
        return app

    return make


@pytest.fixture
def online_app(make_online):
    return make_online()
