from django.core.management.base import BaseCommand, CommandError

from monitoring.sweep import run_sweep


class Command(BaseCommand):
    help = "Run the time-limit sweep once, now, and print what each step created."

    def handle(self, *args, **options):
        result = run_sweep()
        for step, count in result.counts.items():
            self.stdout.write(f"{step}: {count}")
        for step, error in result.failed.items():
            self.stderr.write(f"{step}: FAILED {error}")
        if not result.ok:
            raise CommandError("some sweep steps failed (see above and the log)")
