"""Backup and restore of the database and the uploaded files (`manage.py backup` / `restore`).

A backup is one timestamped folder:

    yekuo-20261123-160501/
        database.dump      PostgreSQL: pg_dump custom format (-Fc), restored with pg_restore
        database.sqlite3   SQLite: a consistent copy made with SQLite's online backup API
        media.tar          every file under MEDIA_ROOT (uploads, import files, error lists)
        manifest.json      when, which database, SHA-256 and size of each file above and of
                           each uploaded file inside media.tar

Restore verifies every checksum first, then writes only into an empty database (a fresh
`createdb`) and an empty MEDIA_ROOT unless forced, then checks each restored file again.
Errors are `BackupError`s with the reason in Chinese.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext as _

MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
MEDIA_TAR = "media.tar"
FORMAT_VERSION = 1


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class RestoreReport:
    vendor: str
    tables: int
    media_files: int


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- PostgreSQL client programs -------------------------------------------------------------


def pg_program(name: str) -> str:
    """pg_dump / pg_restore: from YEKUO_PG_BIN or the server's bindir (the same version as the
    server the tests run), else PATH."""
    from .pgcluster import PostgresNotFound, find_pg_bindir

    try:
        candidate = find_pg_bindir() / name
        if os.access(candidate, os.X_OK):
            return str(candidate)
    except PostgresNotFound:
        pass
    found = shutil.which(name)
    if not found:
        raise BackupError(
            _("找不到 %(name)s：请安装 PostgreSQL 客户端或设置 YEKUO_PG_BIN。") % {"name": name}
        )
    return found


# libpq's connection keywords and the environment variables pg_dump/pg_restore read them from.
_LIBPQ_ENV = {
    "dbname": "PGDATABASE",
    "host": "PGHOST",
    "port": "PGPORT",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
}


def libpq_params(db: dict) -> dict[str, str]:
    """Connection keywords exactly as Django's backend computes them from a settings dict
    (so OPTIONS such as a socket directory in ?host= count), limited to libpq's own."""
    from django.db.backends.postgresql.base import DatabaseWrapper

    params = DatabaseWrapper(db).get_connection_params()
    return {k: str(v) for k, v in params.items() if k in _LIBPQ_ENV and v not in (None, "")}


def _pg_env(db: dict) -> dict[str, str]:
    # Through the environment, never the command line, where ps would show a password.
    env = {k: v for k, v in os.environ.items() if k not in _LIBPQ_ENV.values()}
    env.update({_LIBPQ_ENV[k]: v for k, v in libpq_params(db).items()})
    return env


def _run(cmd: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(
            _("%(program)s 失败：%(error)s")
            % {"program": Path(cmd[0]).name, "error": done.stderr.strip()[-2000:]}
        )


def _pg_table_count(db: dict) -> int:
    import psycopg

    with psycopg.connect(**libpq_params(db)) as conn:
        row = conn.execute(
            "SELECT count(*) FROM information_schema.tables"
            " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchone()
    return row[0]


# --- SQLite ---------------------------------------------------------------------------------


def _sqlite_table_count(path: str) -> int:
    with closing(sqlite3.connect(path)) as conn:
        row = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchone()
    return row[0]


# --- Uploaded files -------------------------------------------------------------------------


def _media_files(media_root: Path) -> list[Path]:
    if not media_root.is_dir():
        return []
    return sorted(p for p in media_root.rglob("*") if p.is_file() and not p.is_symlink())


def _tar_media(media_root: Path, target: Path) -> list[dict]:
    entries = []
    with tarfile.open(target, "w") as archive:
        for path in _media_files(media_root):
            name = path.relative_to(media_root).as_posix()
            archive.add(path, arcname=name, recursive=False)
            entries.append({"path": name, "sha256": sha256(path), "bytes": path.stat().st_size})
    return entries


# --- Backup ---------------------------------------------------------------------------------


def _new_folder(target_dir: Path, now: datetime) -> Path:
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M%S")
    folder, n = target_dir / f"yekuo-{stamp}", 2
    while folder.exists():
        folder, n = target_dir / f"yekuo-{stamp}-{n}", n + 1
    folder.mkdir(parents=True)
    return folder


def create_backup(
    *, target_dir: Path, media_root: Path, alias: str = "default", now: datetime | None = None
) -> Path:
    """Dump the database `alias` and tar `media_root` into a new folder; returns the folder."""
    now = now or timezone.now()
    connection = connections[alias]
    if connection.in_atomic_block:
        # SQLite's backup would wait forever on our own write lock; a dump inside a
        # transaction is a mistake on PostgreSQL too (it would not see uncommitted rows).
        raise BackupError(_("不能在数据库事务中备份。"))
    folder = _new_folder(Path(target_dir), now)
    try:
        if connection.vendor == "postgresql":
            dump = [pg_program("pg_dump"), "--format=custom", "--file", str(folder / PG_DUMP)]
            _run(dump, _pg_env(connection.settings_dict))
            database_file = PG_DUMP
        elif connection.vendor == "sqlite":
            # The online backup API copies a consistent snapshot even while others write.
            connection.ensure_connection()
            with closing(sqlite3.connect(folder / SQLITE_COPY)) as copy:
                connection.connection.backup(copy)
            database_file = SQLITE_COPY
        else:
            raise BackupError(_("不支持的数据库：%(vendor)s。") % {"vendor": connection.vendor})
        media = _tar_media(Path(media_root), folder / MEDIA_TAR)
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": timezone.localtime(now).isoformat(),
            "vendor": connection.vendor,
            "database": database_file,
            "files": {
                name: {"sha256": sha256(folder / name), "bytes": (folder / name).stat().st_size}
                for name in (database_file, MEDIA_TAR)
            },
            "media": media,
        }
        (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # never leave a half backup that looks whole
        raise
    return folder


# --- Restore --------------------------------------------------------------------------------


def read_manifest(folder: Path) -> dict:
    """The manifest, after checking every file it lists against its SHA-256."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(
            _("%(folder)s 不是完整的备份：缺少或无法读取 manifest.json。") % {"folder": folder}
        ) from exc
    for name, expected in manifest["files"].items():
        path = folder / name
        if not path.is_file() or sha256(path) != expected["sha256"]:
            raise BackupError(
                _("备份文件 %(name)s 校验失败（缺失、损坏或被改动），未做任何恢复。")
                % {"name": name}
            )
    return manifest


def restore_backup(
    folder: Path,
    *,
    media_root: Path,
    alias: str = "default",
    target: dict | None = None,
    force: bool = False,
) -> RestoreReport:
    """Restore a backup folder into the database `alias` (or the settings dict `target`) and
    `media_root`. Both must be empty unless `force`."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    db = target or connections[alias].settings_dict
    vendor = (
        "postgresql"
        if "postgresql" in db["ENGINE"]
        else "sqlite"
        if "sqlite" in db["ENGINE"]
        else db["ENGINE"]
    )
    if manifest["vendor"] != vendor:
        raise BackupError(
            _("备份来自 %(source)s，不能恢复到 %(target)s。")
            % {"source": manifest["vendor"], "target": vendor}
        )
    tables = _count_tables(vendor, db)
    if tables and not force:
        raise BackupError(
            _("目标数据库不是空的（已有%(n)s张表）。请恢复到新建的空数据库；确需覆盖请加 --force。")
            % {"n": tables}
        )
    media_root = Path(media_root)
    if _media_files(media_root) and not force:
        raise BackupError(
            _("上传文件目录 %(dir)s 不是空的。请恢复到空目录；确需覆盖请加 --force。")
            % {"dir": media_root}
        )
    if target is None:
        connections[alias].close()  # our own open connection would hold locks
    if vendor == "postgresql":
        clean = ["--clean", "--if-exists"] if force else []
        _run(
            [
                pg_program("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                *clean,
                # Without --dbname pg_restore prints SQL instead of restoring.
                "--dbname",
                libpq_params(db)["dbname"],
                str(folder / PG_DUMP),
            ],
            _pg_env(db),
        )
    else:
        with (
            closing(sqlite3.connect(folder / SQLITE_COPY)) as source,
            closing(sqlite3.connect(db["NAME"])) as copy,
        ):
            source.backup(copy)
    _extract_media(folder / MEDIA_TAR, media_root, manifest["media"])
    return RestoreReport(
        vendor=vendor, tables=_count_tables(vendor, db), media_files=len(manifest["media"])
    )


def _count_tables(vendor: str, db: dict) -> int:
    return _pg_table_count(db) if vendor == "postgresql" else _sqlite_table_count(db["NAME"])


def _extract_media(archive_path: Path, media_root: Path, expected: list[dict]) -> None:
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive_path) as archive:
        # The "data" filter refuses absolute paths, "..", links out of the tree and devices.
        archive.extractall(media_root, filter="data")
    for entry in expected:
        path = media_root / entry["path"]
        if not path.is_file() or sha256(path) != entry["sha256"]:
            raise BackupError(_("上传文件 %(path)s 恢复后校验失败。") % {"path": entry["path"]})
