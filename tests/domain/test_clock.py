"""format_epoch (the clock's fast formatting) writes what format_instant writes for the same instant."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.domain.clock import Clock, VirtualClock, format_epoch, format_instant


def slow(seconds: float) -> str:
    return format_instant(datetime.fromtimestamp(seconds, tz=UTC))


def outcome(write, seconds: float) -> str:
    try:
        return write(seconds)
    except (ValueError, OverflowError) as e:  # beyond year 9999: both refuse
        return type(e).__name__


@pytest.mark.parametrize(
    "seconds",
    [
        0.0,
        0.5,
        1.0000005,
        1.0000015,
        59.9999995,
        59.9999996,
        1_700_000_000.9999997,
        1_700_000_000.0000004,
        253402300799.999999,
        1e9 + 0.25,
        -0.5,
        -1.0000005,
        -86400.25,
    ],
)
def test_edges_of_rounding_and_range(seconds):
    assert outcome(format_epoch, seconds) == outcome(slow, seconds)


@settings(max_examples=2000, deadline=None, database=None)
@given(seconds=st.floats(min_value=-1e10, max_value=253402300799.0), step=st.floats(min_value=0, max_value=2))
def test_any_instant_and_the_next_one(seconds, step):
    # two calls in a row: the second may reuse the first's cached second, or must not
    assert outcome(format_epoch, seconds) == outcome(slow, seconds)
    assert outcome(format_epoch, seconds + step) == outcome(slow, seconds + step)


def test_clocks_write_their_time_canonically():
    virtual = VirtualClock(start=1_700_000_000.123456)
    assert virtual.now_iso() == "2023-11-14T22:13:20.123456Z"
    virtual.advance(0.9)
    assert virtual.now_iso() == "2023-11-14T22:13:21.023456Z"
    wall = Clock()
    first, second = wall.now_iso(), wall.now_iso()
    assert len(first) == len("2024-01-01T00:00:00.000000Z") and first <= second
