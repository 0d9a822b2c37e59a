"""The dashboard (/_mock/ui): each view's first render over a large state, and its cost when closed.

* First render: a fake with ``--db`` on the 100,000-record state file, 10,000 extraction jobs
  created over HTTP (they also fill the request journal) and 1,000 workflow runs of the example
  scenario file (waiting: the clock is frozen), then Chromium opens each view afresh
  ``ROUNDS`` times. The figure is the median time from the navigation's start to the view shown
  (the page's ``ready:<view>`` mark: the page and its scripts loaded, the view's API calls
  answered, its DOM built), and beside it the view's own share (``view:<view>``: its API calls
  and DOM, the page's load left out).
* Paging: a click on Last, then First, over the 100,000 records, to the page shown.
* Closed: the dashboard is files served on request and nothing else (no background work, no
  push channel): the server's CPU time and the API requests it received over ``IDLE_SECONDS``
  with no page open, then with the Overview open (the page asks for /_mock/status every second).
* Per API request: the layer that serves the pages is the outermost one, so every request passes
  it; its time per request, in process, behind a no-op app.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import orjson

from bench.dataset import copy_state
from bench.load import create_job, fixture
from bench.server import Server
from mockserver.ui import UI_PATH, DashboardMiddleware

# Debian's chromium package (make test-ui and make bench install it), or another one named here
CHROMIUM = os.environ.get("LLAMACLOUD_MOCK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# No sandbox (root in CI), no GPU, and none of the browser's own traffic: offline, and nothing but
# the fake is asked for anything.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWS = ("overview", "agent-data", "extraction", "clock", "traffic", "workflows")
WFDEMO = Path(__file__).resolve().parent.parent / "examples" / "workflows" / "wfdemo.yaml"
ROUNDS = 5
IDLE_SECONDS = 10  # the CPU clock ticks every 10 ms: 1 ms per second of resolution
PASSES = 200_000


def launch_chromium(playwright, executable: str = CHROMIUM):
    """Debian's Chromium under Playwright (its own browser download is not reachable from here)."""
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)


def first_renders(workdir: Path, full_state: Path, jobs: int, progress: Callable[[str], None]) -> dict:
    from playwright.sync_api import sync_playwright

    db = copy_state(full_state, workdir / "t8-full.db.json")
    with Server(workdir, db, "t8-dashboard", ("--virtual-clock", "--workflows", str(WFDEMO))) as server:
        catalog = fixture({}, 0)
        status, answer = server.http.post("/_mock/fixtures", {k: catalog[k] for k in ("files", "extraction_agents")})
        if status != 200:
            raise RuntimeError(f"POST /_mock/fixtures answered {status}: {answer[:300]!r}")
        progress(f"creating {jobs:,} extraction jobs")
        for _ in range(jobs):
            create_job(server)
        progress(f"starting {jobs // 10:,} workflow runs")
        for _ in range(jobs // 10):  # the clock is frozen: each stays running
            status, answer = server.http.post(
                "/deployments/wfdemo/workflows/hitl/run-nowait", {"start_event": {"name": "b"}}
            )
            if status != 200:
                raise RuntimeError(f"run-nowait answered {status}: {answer[:300]!r}")
        state = _status(server)
        result = {"counts": state["counts"], "journal": state["requests"], "views": {}}
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                for view in VIEWS:
                    times, own = [], []
                    for _ in range(ROUNDS):
                        page = browser.new_page(viewport={"width": 1280, "height": 860})
                        page.goto(f"{server.url}{UI_PATH}#/{view}")
                        page.wait_for_selector(f"main[data-ready='{view}']", timeout=60_000)
                        times.append(page.evaluate(f"performance.getEntriesByName('ready:{view}')[0].startTime"))
                        own.append(page.evaluate(f"performance.getEntriesByName('view:{view}')[0].duration"))
                        page.close()
                    result["views"][view] = {
                        "median_ms": statistics.median(times),
                        "rounds_ms": times,
                        "view_median_ms": statistics.median(own),  # its API calls and DOM, the page's load left out
                    }
                result["last_page_ms"] = _last_page(server, browser, state["counts"]["agent_data"])
                result["closed"], result["open"] = _idle(server, browser)
            finally:
                browser.close()
    return result


def _status(server: Server) -> dict:
    status, answer = server.http.request("GET", "/_mock/status")
    if status != 200:
        raise RuntimeError(f"GET /_mock/status answered {status}: {answer[:300]!r}")
    return orjson.loads(answer)


def _last_page(server: Server, browser, records: int) -> list[float]:
    """Milliseconds from a click on Last (or First) to that page of the records shown, back and forth."""
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    page.goto(f"{server.url}{UI_PATH}#/agent-data")
    page.wait_for_selector("main[data-ready='agent-data']")
    times = []
    for _ in range(ROUNDS):
        for button, first in (("Last", records - records % 50 + 1 if records % 50 else records - 49), ("First", 1)):
            started = time.perf_counter()
            page.get_by_role("button", name=button).click()
            page.get_by_text(f"Records {first:,}–").wait_for()
            times.append((time.perf_counter() - started) * 1000)
    page.close()
    return times


def _idle(server: Server, browser) -> tuple[dict, dict]:
    """The server's CPU time and API requests received over IDLE_SECONDS, no page open then one."""

    def measure() -> dict:
        cpu, received = server.cpu_seconds(), _status(server)["requests"]["received"]
        time.sleep(IDLE_SECONDS)
        return {
            "cpu_ms_per_s": (server.cpu_seconds() - cpu) * 1000 / IDLE_SECONDS,
            "api_requests": _status(server)["requests"]["received"] - received,
        }

    closed = measure()
    page = browser.new_page()
    page.goto(f"{server.url}{UI_PATH}#/overview")
    page.wait_for_selector("main[data-ready='overview']")
    opened = measure()
    page.close()
    return closed, opened


def layer_cost() -> dict:
    """Nanoseconds the dashboard's layer adds to an API request (in process, a no-op app behind it)."""

    async def app(scope, receive, send):
        return None

    async def per_call(target) -> float:
        scope = {"type": "http", "method": "GET", "path": "/api/v1/beta/agent-data/some-record"}
        started = time.perf_counter()
        for _ in range(PASSES):
            await target(scope, None, None)
        return (time.perf_counter() - started) / PASSES * 1e9

    async def rounds() -> list[float]:
        layer = DashboardMiddleware(app)
        return [await per_call(layer) - await per_call(app) for _ in range(5)]

    costs = asyncio.run(rounds())
    return {"median_ns": statistics.median(costs), "rounds_ns": costs}
