"""What the dashboard's browser tests import: opening a view, the fake's APIs as an SDK calls them,
screenshots for docs/img/ (with LLAMACLOUD_MOCK_SCREENSHOTS=DIR) and axe-core's accessibility check.
The fixtures (the browser, a page, a fresh fake) are in conftest.py."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
from llama_cloud import LlamaCloud

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = os.environ.get("LLAMACLOUD_MOCK_SCREENSHOTS")


def open_view(page, mock, view: str) -> None:
    page.goto(f"{mock.url}/_mock/ui#/{view}")
    page.wait_for_selector(f"main[data-ready='{view}']")


def api(mock) -> httpx.Client:
    """An HTTP client of the fake's public APIs, as an SDK calls them."""
    return httpx.Client(base_url=mock.url, headers={"Authorization": f"Bearer {mock.api_key}"}, timeout=30)


def sdk(mock) -> LlamaCloud:
    """The official SDK (llama-cloud 2.x) pointed at the fake; no retries, so a failure shows at once."""
    return LlamaCloud(api_key=mock.api_key, base_url=mock.url, max_retries=0)


def screenshot(page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(Path(SCREENSHOTS) / f"dashboard-{name}.png"))


def accessibility_violations(page) -> list[dict]:
    """axe-core's violations on the page as it is (axe-core from npm: tests/ui/package.json)."""
    # evaluated through the browser's debugger protocol: the page's CSP allows no inline script
    page.evaluate(AXE.read_text())
    return page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
             .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(" "))}))"""
    )
