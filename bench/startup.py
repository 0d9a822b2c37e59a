"""Target 3: from process spawn to the first HTTP answer (a 401 to an unauthenticated GET)."""

from __future__ import annotations

import statistics
from pathlib import Path

from bench.dataset import copy_state
from bench.server import Server

RUNS = 5


def startup(workdir: Path, state: Path | None, name: str) -> dict:
    """RUNS cold starts of ``python -m mockserver serve`` (with ``--db`` on a copy of ``state``)."""
    db = copy_state(state, workdir / f"t3-{name}.db.json") if state else None
    ready, stopped = [], []
    for _ in range(RUNS):
        server = Server(workdir, db, f"t3-{name}")
        try:
            ready.append(server.start())
        finally:
            server.stop()
        stopped.append(server.stop_seconds)
    return {
        "runs_s": ready,
        "median_s": statistics.median(ready),
        "max_s": max(ready),
        "shutdown_median_s": statistics.median(stopped),
    }
