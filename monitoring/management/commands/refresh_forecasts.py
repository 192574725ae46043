from django.core.management.base import BaseCommand

from monitoring import tasks


class Command(BaseCommand):
    help = "Refresh the breach forecast of every open clock now, raise and notify early alerts."

    def handle(self, *args, **options):
        result = tasks.refresh_forecasts()
        self.stdout.write(
            "forecast: {clocks} open clocks, {estimated} estimated, {groups} groups, "
            "{written} written, {removed} removed, {alerts} early alerts".format(**result)
        )
