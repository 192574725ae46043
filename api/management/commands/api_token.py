"""Issue a token for an external system and print it (the only time it is shown)."""

from django.core.management.base import BaseCommand, CommandError

from applications.services.errors import TransitionRefused

from ... import tokens
from ...models import ApiClient, System


class Command(BaseCommand):
    help = "为接入系统签发新令牌并打印（仅此一次可见）。"

    def add_arguments(self, parser):
        parser.add_argument("system", choices=System.values)
        parser.add_argument("--note", default="")

    def handle(self, *args, system, note, **options):
        client = ApiClient.objects.filter(system=system).first()
        if client is None:
            raise CommandError(f"接入系统 {system} 尚未在后台登记。")
        try:
            raw = tokens.issue(client=client, note=note)
        except TransitionRefused as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(raw)
