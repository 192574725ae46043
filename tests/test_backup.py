"""Backup → restore into a fresh database finds every row and every uploaded file again."""

import hashlib
import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from applications.models import Customer, ImportJob
from yekuo.backup import BackupError, create_backup, libpq_params, restore_backup

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def some_rows(make_app, staff, media):
    """Two applications (customers, materials, log, clocks…) and two uploaded files."""
    apps = [make_app(), make_app("lv_business")]
    job = ImportJob(kind=ImportJob.Kind.APPLICATIONS, original_name="西湖台账.xlsx")
    job.uploaded_by = staff["front_desk"]
    job.file.save("西湖台账.xlsx", ContentFile(b"PK\x03\x04 ledger bytes"), save=False)
    job.save()
    (media / "materials").mkdir()
    (media / "materials" / "身份证明.pdf").write_bytes(PDF)
    return apps


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _source_tables() -> list[str]:
    return sorted(connection.introspection.table_names())


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_postgres_backup_restores_into_a_fresh_database(some_rows, media, tmp_path):
    import psycopg

    folder = create_backup(target_dir=tmp_path / "backups", media_root=media)
    assert sorted(p.name for p in folder.iterdir()) == [
        "database.dump",
        "manifest.json",
        "media.tar",
    ]
    assert (folder / "database.dump").read_bytes().startswith(b"PGDMP")  # custom format
    fresh = "yekuo_restored"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{fresh}"')
    target = {**connection.settings_dict, "NAME": fresh}
    try:
        report = restore_backup(folder, media_root=tmp_path / "restored", target=target)
        # Every table, row for row: a digest of all its rows' text, here and there.
        digest = "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
        with psycopg.connect(**libpq_params(target)) as restored, connection.cursor() as source:
            for table in _source_tables():
                source.execute(f'{digest} FROM "{table}" t')
                expected = source.fetchone()
                got = restored.execute(f'{digest} FROM "{table}" t').fetchone()
                assert got == tuple(expected), table
            customers = restored.execute(
                "SELECT id_number FROM applications_customer ORDER BY id"
            ).fetchall()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
    assert [c[0] for c in customers] == list(
        Customer.objects.order_by("id").values_list("id_number", flat=True)
    )
    assert report.tables == len(_source_tables())
    assert report.media_files == 2
    assert _files(tmp_path / "restored") == _files(media)
    assert _files(media)["materials/身份证明.pdf"] == PDF


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sqlite_backup_restores_into_a_fresh_database(some_rows, media, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite round trip (PostgreSQL has its own test)")
    folder = create_backup(target_dir=tmp_path / "backups", media_root=media)
    fresh = tmp_path / "restored.sqlite3"
    target = {**connection.settings_dict, "NAME": str(fresh)}
    report = restore_backup(folder, media_root=tmp_path / "restored", target=target)
    source = connection.connection  # the raw sqlite3 connection, typed as Django opens it
    typed = sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES
    with closing(sqlite3.connect(fresh, detect_types=typed)) as restored:
        for table in _source_tables():
            expected = sorted(source.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
            got = sorted(restored.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
            assert got == expected, table
    assert report.media_files == 2
    assert _files(tmp_path / "restored") == _files(media)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_restore_refuses_a_tampered_backup(some_rows, media, tmp_path):
    folder = create_backup(target_dir=tmp_path / "backups", media_root=media)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["media"][-1] == {
        "path": "materials/身份证明.pdf",
        "sha256": hashlib.sha256(PDF).hexdigest(),
        "bytes": len(PDF),
    }
    tar = folder / "media.tar"
    tar.write_bytes(tar.read_bytes()[:-1] + b"x")
    target = {**connection.settings_dict, "NAME": str(tmp_path / "fresh.sqlite3")}
    with pytest.raises(BackupError, match=r"备份文件 media\.tar 校验失败"):
        restore_backup(folder, media_root=tmp_path / "restored", target=target)
    assert not (tmp_path / "restored").exists()  # nothing restored


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_restore_refuses_a_database_that_is_not_empty(some_rows, media, tmp_path):
    folder = create_backup(target_dir=tmp_path / "backups", media_root=media)
    with pytest.raises(CommandError, match="目标数据库不是空的"):
        call_command("restore", str(folder))  # the live test database has every table


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_backup_command_writes_a_timestamped_folder(some_rows, media, tmp_path, capsys):
    call_command("backup", "--output", str(tmp_path / "backups"))
    (folder,) = (tmp_path / "backups").iterdir()
    assert folder.name.startswith("yekuo-2")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["vendor"] == connection.vendor
    assert len(manifest["media"]) == 2
    assert "备份完成" in capsys.readouterr().out


@pytest.mark.django_db
def test_backup_refuses_to_run_inside_a_transaction(media, tmp_path):
    with pytest.raises(BackupError, match="不能在数据库事务中备份"):
        create_backup(target_dir=tmp_path / "backups", media_root=media)
    assert not (tmp_path / "backups").exists() or not any((tmp_path / "backups").iterdir())
