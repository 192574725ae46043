"""What every benchmark does around its measurement: run on the PostgreSQL in DATABASE_URL, or
on a throwaway cluster with the benchmark's server settings (stopped and removed on exit, Ctrl-C
included); set Django up, refuse anything but PostgreSQL, print the server settings, migrate.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yekuo.settings")


def on_postgres(run: Callable[[], None], settings: dict[str, str]) -> None:
    """`run()` against DATABASE_URL when set, else against a throwaway cluster with `settings`."""
    if os.environ.get("DATABASE_URL"):
        run()
        return
    from yekuo.pgcluster import throwaway_postgres

    # The cluster is stopped and removed when this block ends: normally, on an exception,
    # on Ctrl-C (KeyboardInterrupt) and on SIGTERM/SIGHUP (turned into SystemExit).
    with throwaway_postgres(settings=settings) as url:
        os.environ["DATABASE_URL"] = url
        run()


def setup(script: str, shown: Iterable[str]) -> None:
    """Django set up on PostgreSQL (or exit), the `shown` server settings printed, migrated."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit(f"benchmarks/{script} measures PostgreSQL: unset DATABASE_URL to use a throwaway.")
    print("PostgreSQL settings:")
    with connection.cursor() as cursor:
        for name in shown:
            cursor.execute(f"SHOW {name}")
            print(f"  {name} = {cursor.fetchone()[0]}")
    call_command("migrate", verbosity=0)
