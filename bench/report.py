"""The figures: one table on stdout, the same rows (and the raw measurements) in JSON."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

PASS, FAIL, INFO, ERROR = "PASS", "FAIL", "info", "ERROR"


@dataclass
class Row:
    target: str  # "1".."4": the acceptance criterion the row belongs to
    label: str
    figure: str  # as printed
    goal: str = ""  # the target, as printed ("" for information only)
    status: str = INFO
    value: float | None = None  # the figure compared with the goal, in ``unit``
    unit: str = ""


def ms(value_ms: float) -> str:
    if value_ms < 1:
        return f"{value_ms * 1000:.0f} µs"
    if value_ms < 100:
        return f"{value_ms:.2f} ms"
    return f"{value_ms:,.0f} ms"


def ratio_figure(figures: dict) -> str:
    """'a → b (r×)' from a {small, large, ratio} block of medians."""
    return f"{ms(figures['small']['median_ms'])} → {ms(figures['large']['median_ms'])}  ({figures['ratio']:.2f}x)"


def judged(ok: bool) -> str:
    return PASS if ok else FAIL


def render(rows: list[Row]) -> str:
    headers = ("#", "measurement", "figure", "target", "result")
    cells = [(r.target, r.label, r.figure, r.goal or "-", r.status) for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    rule = "  ".join("-" * w for w in widths)
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)), rule]
    previous = None
    for cell in cells:
        if previous is not None and cell[0] != previous:
            lines.append("")
        previous = cell[0]
        lines.append("  ".join(c.ljust(w) for c, w in zip(cell, widths)).rstrip())
    return "\n".join(lines)


def markdown(rows: list[Row]) -> str:
    """The table as Markdown (written beside the JSON, to paste into docs/benchmarks.md)."""
    lines = ["| # | measurement | figure | target | result |", "|---|---|---|---|---|"]
    for r in rows:
        cells = (r.target, r.label, r.figure, r.goal or "", r.status)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def machine() -> dict:
    return {
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def commit() -> str | None:
    """The checked-out commit measured (with "+dirty" for uncommitted changes); None outside a git checkout."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True)
    except OSError:
        return None
    if head.returncode != 0:
        return None
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def write_json(path: Path, rows: list[Row], raw: dict, seconds: float, settings: dict) -> None:
    document = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit(),
        "duration_s": round(seconds, 1),
        "machine": machine(),
        "settings": settings,
        "summary": {s: sum(r.status == s for r in rows) for s in (PASS, FAIL, ERROR)},
        "rows": [asdict(r) for r in rows],
        "raw": raw,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS))
