"""Debian's chromium for the end-to-end tests, driven by Playwright; never a downloaded browser.

Needs /usr/bin/chromium (scripts/test installs it when it runs as root) and the `playwright`
Python package (dev extra). A test module marks itself with `needs_chromium` and opens the
browser with `chromium_context(...)`; screenshots go under ARTIFACTS for a person to look at.
"""

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "var" / "artifacts"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed"
)


@contextmanager
def chromium_context(**options):
    """A headless chromium with a throwaway profile, as a Playwright browser context."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by fixtures
    # and the live server are ordinary synchronous ones.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    profile = tempfile.mkdtemp(prefix="yekuo-chromium-")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=FLAGS,
            locale="zh-CN",
            **options,
        )
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)
            # While Playwright's loop runs, Django's context-local connections are not the
            # test's own: the ORM calls made in between opened one that nobody else closes,
            # and the test database could not be dropped at the end of the run.
            connections.close_all()
