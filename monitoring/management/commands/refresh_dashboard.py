"""Rebuild the dashboards' connection records (after an import, or to check the daily task)."""

from django.core.management.base import BaseCommand

from monitoring.dashboard.records import refresh_all


class Command(BaseCommand):
    help = "重新计算看板的接电记录（每日自动执行）。"

    def handle(self, *args, **options):
        rows = refresh_all()
        self.stdout.write(f"connection records written: {rows}")
