"""manage.py backup — the database and the uploaded files into one timestamped folder."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from yekuo.backup import BackupError, create_backup, read_manifest


class Command(BaseCommand):
    help = "备份数据库（PostgreSQL 为 pg_dump -Fc，SQLite 为在线备份）和上传文件，附校验清单。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            default=None,
            help="备份目录（默认 YEKUO_BACKUP_DIR，即 var/backups）；每次新建一个带时间的子目录",
        )
        parser.add_argument("--database", default="default", help="数据库别名")

    def handle(self, *args, output, database, **options):
        try:
            folder = create_backup(
                target_dir=output or settings.YEKUO_BACKUP_DIR,
                media_root=settings.MEDIA_ROOT,
                alias=database,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = read_manifest(folder)
        self.stdout.write(
            self.style.SUCCESS(
                _("备份完成：%(folder)s（%(vendor)s，上传文件 %(files)s 个）")
                % {"folder": folder, "vendor": manifest["vendor"], "files": len(manifest["media"])}
            )
        )
