from django.core.management.base import BaseCommand, CommandError

from monitoring.models import DetectionRule
from monitoring.supervision.detection import run_rules


class Command(BaseCommand):
    help = "Run the enabled 线外流转 detection rules once, now, and print the new cases of each."

    def add_arguments(self, parser):
        parser.add_argument(
            "--rule", action="append", dest="codes", help="rule code (repeatable); default all"
        )

    def handle(self, *args, codes=None, **options):
        if codes:
            unknown = set(codes) - set(DetectionRule.objects.values_list("code", flat=True))
            if unknown:
                raise CommandError(f"unknown rule(s): {', '.join(sorted(unknown))}")
        result = run_rules(codes)
        for code, found in result.items():
            self.stdout.write(f"{code}: {'FAILED' if found < 0 else found}")
        if any(found < 0 for found in result.values()):
            raise CommandError("some rules failed (see the log)")
