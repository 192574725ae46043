"""manage.py restore FOLDER — a backup into an empty database and an empty MEDIA_ROOT."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from yekuo.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "从 backup 生成的目录恢复数据库和上传文件：先核对校验值；目标须为空，除非 --force。"

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="backup 生成的目录")
        parser.add_argument("--database", default="default", help="数据库别名")
        parser.add_argument(
            "--force",
            action="store_true",
            help="目标数据库或上传目录不为空时仍然恢复（覆盖备份中有的表和文件）",
        )

    def handle(self, *args, folder, database, force, **options):
        try:
            report = restore_backup(
                folder, media_root=settings.MEDIA_ROOT, alias=database, force=force
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "恢复完成：%(tables)s 张表，上传文件 %(files)s 个。"
                    "若备份早于当前代码，请接着运行 manage.py migrate。"
                )
                % {"tables": report.tables, "files": report.media_files}
            )
        )
