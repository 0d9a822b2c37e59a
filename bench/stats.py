"""Timing helpers: a stopwatch and the summary statistics the report uses."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence

now = time.perf_counter


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation between closest ranks."""
    ordered = sorted(samples)
    if not ordered:
        raise ValueError("no samples")
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(samples: Sequence[float]) -> dict[str, float]:
    """Median, p95, mean, min and max of samples in seconds, returned in milliseconds."""
    ms = [s * 1000 for s in samples]
    return {
        "n": len(ms),
        "median_ms": statistics.median(ms),
        "p95_ms": percentile(ms, 95),
        "mean_ms": statistics.fmean(ms),
        "min_ms": min(ms),
        "max_ms": max(ms),
    }


def timed(action: Callable[[], object]) -> tuple[float, object]:
    """Run ``action`` once: (seconds it took, its result)."""
    start = now()
    result = action()
    return now() - start, result
