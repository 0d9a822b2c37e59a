"""The dashboard in a real browser: Debian's Chromium driven by Playwright for Python.

Playwright's own browser download is not reachable from the machines this project runs on, so
the tests launch the system's Chromium (`make test-ui` installs the `chromium` package when it is
missing; LLAMACLOUD_MOCK_CHROMIUM names another executable). Each test gets a fresh fake on a free
port and a fresh browser context (its own sessionStorage). With LLAMACLOUD_MOCK_SCREENSHOTS=DIR
the tests also save the pictures of docs/img/ (`make screenshots`). The helpers the tests import are
in support.py.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.dashboard import CHROMIUM, launch_chromium
from mockserver.testing import run_server
from tests.support import ROOT

TIMEOUT_MS = 15_000  # what a live view may take to show a change on a busy, shared machine


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not Path(CHROMIUM).exists():
        message = f"no Chromium at {CHROMIUM}: `make test-ui` installs Debian's chromium package"
        if os.environ.get("LLAMACLOUD_MOCK_UI_TESTS") == "required":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, CHROMIUM)
        yield browser
        browser.close()


WFDEMO = ROOT / "examples" / "workflows" / "wfdemo.yaml"


@pytest.fixture
def serve():
    """serve(*args): a fresh fake on a free port (options of `llamacloud-mock serve`), serving the
    example scenario file's workflows (the deployment wfdemo) unless given ``workflows=False``."""
    with contextlib.ExitStack() as stack:

        def start(*args: str, workflows: bool = True):
            scenario = ["--workflows", str(WFDEMO)] if workflows else []
            return stack.enter_context(run_server([*scenario, *args]))

        yield start


@pytest.fixture
def page(browser):
    """A page in a fresh context; an uncaught error of the page's scripts fails the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"the dashboard's scripts failed: {errors}"
