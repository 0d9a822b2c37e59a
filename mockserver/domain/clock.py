"""The server's clock: every timestamp the fake writes, and every job's progress, comes from here.

Timestamps are written as ISO 8601 UTC with microseconds and a ``Z`` (``2024-01-01T00:00:00.000000Z``),
one fixed width, so that comparing two of them as strings compares them as instants.

Two clocks: ``Clock`` is wall time (the default); ``VirtualClock`` (``--virtual-clock``) starts
frozen at the wall time of start-up and moves only when told (``advance``, ``set``), or at wall
speed between ``resume`` and ``freeze``. Jobs compute their status from this clock when read, so a
frozen clock holds every job where it is, and advancing it is what makes them progress.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime


def format_instant(moment: datetime) -> str:
    """The canonical form of an instant (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    # isoformat: several times faster than strftime, and four-digit years always ("+00:00" -> "Z")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")[:-6] + "Z"


# The last whole second format_epoch wrote, and its date and time of day: one tuple, replaced whole
# and read once, so that fakes in threads of one process never pair one's second with another's text.
_second: tuple[int, str] = (-1, "")


def format_epoch(seconds: float) -> str:
    """``format_instant(datetime.fromtimestamp(seconds, tz=UTC))``, in a fifth of the time: the
    date and time of day are formatted once per second (every create and job read writes one)."""
    global _second
    whole = math.floor(seconds)
    if whole < 0:
        return format_instant(datetime.fromtimestamp(seconds, tz=UTC))
    micro = round((seconds - whole) * 1e6)  # half to even, as fromtimestamp rounds
    if micro == 1_000_000:
        whole, micro = whole + 1, 0
    cached, text = _second
    if whole != cached:
        text = format_instant(datetime.fromtimestamp(whole, tz=UTC))[:19]
        _second = whole, text
    return f"{text}.{micro:06d}Z"


class Clock:
    """Wall time, never going backwards within the process so that timestamps stay ordered."""

    virtual = False

    def __init__(self) -> None:
        self._last = 0.0
        self._listeners: list = []

    def add_listener(self, callback) -> None:
        """Call ``callback()`` whenever the clock is moved by hand (a virtual clock's advance, set,
        freeze, resume or reset): what waits on the clock (webhook deliveries) looks again."""
        self._listeners.append(callback)

    def _moved(self) -> None:
        for callback in self._listeners:
            callback()

    def time(self) -> float:
        now = max(time.time(), self._last)
        self._last = now
        return now

    def now_iso(self) -> str:
        return format_epoch(self.time())


class VirtualClock(Clock):
    """A clock owned by the server: frozen unless resumed, moved forward by ``advance``/``set``.

    It never goes backwards: ``advance`` takes a non-negative number of seconds and ``set`` an
    instant not before the current one (anything else raises ValueError).
    """

    virtual = True

    def __init__(self, start: float | None = None, frozen: bool = True) -> None:
        super().__init__()
        self._base = time.time() if start is None else float(start)  # the virtual instant at _anchor
        self._anchor = time.monotonic()
        self._frozen = frozen

    @property
    def frozen(self) -> bool:
        return self._frozen

    def time(self) -> float:
        if self._frozen:
            return self._base
        return self._base + (time.monotonic() - self._anchor)

    def _rebase(self, instant: float) -> None:
        self._base = instant
        self._anchor = time.monotonic()
        self._moved()

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError(f"the clock only moves forward: cannot advance by {seconds} seconds")
        self._rebase(self.time() + seconds)
        return self._base

    def set(self, instant: float) -> float:
        now = self.time()
        if instant < now:
            raise ValueError(f"the clock only moves forward: {instant} is before the current time {now}")
        self._rebase(float(instant))
        return self._base

    def freeze(self) -> None:
        self._rebase(self.time())
        self._frozen = True

    def resume(self) -> None:
        self._rebase(self.time())
        self._frozen = False

    def reset(self, instant: float, frozen: bool) -> None:
        """Put the clock at ``instant``, even backwards: only for a state that is emptied or
        replaced whole at the same time (reset, restore), whose timestamps then stay ordered."""
        self._rebase(float(instant))
        self._frozen = frozen
