from django.core.management.base import BaseCommand

from monitoring.schedules import ensure_schedules


class Command(BaseCommand):
    help = "Create or update the django-q2 schedules of the sweep and the e-mails (idempotent)."

    def handle(self, *args, **options):
        for name, outcome in ensure_schedules():
            self.stdout.write(f"{name}: {outcome}")
