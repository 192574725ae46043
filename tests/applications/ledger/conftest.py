"""Fixtures for ledger tests: an importer and a one-call import."""

import pytest

from applications.ledger.importing import import_ledger, read


@pytest.fixture
def importer(staff):
    """The unit's supervisor: may import, sees every unit."""
    return staff["supervisor"]


@pytest.fixture
def run_import(importer):
    """Import ledger bytes as a user would through the job; returns the outcome."""

    def run(data: bytes, *, kind="applications", user=None, **kwargs):
        table = read(kind, data, expected=kwargs.pop("expected", ""))
        return import_ledger(
            kind=kind, table=table, user=user or importer, reason="台账导入：test.xlsx", **kwargs
        )

    return run


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Uploaded ledgers and error workbooks go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
