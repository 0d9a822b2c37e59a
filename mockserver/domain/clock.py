"""The server's clock: every timestamp the fake writes comes from here.

Timestamps are written as ISO 8601 UTC with microseconds and a ``Z`` (``2024-01-01T00:00:00.000000Z``),
one fixed width, so that comparing two of them as strings compares them as instants.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone


def format_instant(moment: datetime) -> str:
    """The canonical form of an instant (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Clock:
    """Wall time, never going backwards within the process so that timestamps stay ordered."""

    def __init__(self) -> None:
        self._last = 0.0

    def time(self) -> float:
        now = max(time.time(), self._last)
        self._last = now
        return now

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), tz=timezone.utc)

    def now_iso(self) -> str:
        return format_instant(self.now())
