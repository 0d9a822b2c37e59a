"""The job lifecycle engine and the clocks it reads: states computed when read, per-job control."""

from __future__ import annotations

import time

import pytest

from mockserver.domain.clock import Clock, VirtualClock
from mockserver.domain.errors import Conflict, InvalidField, NotFound
from mockserver.domain.ids import IdFactory
from mockserver.domain.jobs import (
    CANCELLED,
    FAILED,
    PARTIALLY_SUCCEEDED,
    QUEUED,
    RUNNING,
    SUCCEEDED,
    JobEngine,
    Schedule,
)
from mockserver.domain.store import StoreContext
from mockserver.storage import Database

T0 = 1_700_000_000.0


@pytest.fixture
def clock():
    return VirtualClock(start=T0)


@pytest.fixture
def engine(clock):
    return JobEngine(StoreContext(Database(), clock, IdFactory(), "p"), Schedule(queued_seconds=1, running_seconds=2))


def states(engine, job_id, clock, moments):
    found = []
    for moment in moments:
        clock.set(T0 + moment)
        found.append(engine.read(job_id).state)
    return found


# ------------------------------------------------------------------ clocks
def test_virtual_clock_moves_only_when_told():
    clock = VirtualClock(start=T0)
    assert clock.time() == T0 and clock.frozen
    time.sleep(0.01)
    assert clock.time() == T0
    assert clock.advance(2.5) == T0 + 2.5
    assert clock.set(T0 + 10) == T0 + 10
    assert clock.now_iso() == "2023-11-14T22:13:30.000000Z"
    with pytest.raises(ValueError, match="only moves forward"):
        clock.set(T0)
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(-1)


def test_virtual_clock_resumes_at_wall_speed_and_freezes_again():
    clock = VirtualClock(start=T0)
    clock.resume()
    time.sleep(0.05)
    moving = clock.time()
    assert T0 + 0.04 < moving < T0 + 5
    clock.freeze()
    frozen = clock.time()
    time.sleep(0.02)
    assert clock.time() == frozen and frozen >= moving


def test_wall_clock_is_not_virtual_and_never_goes_back():
    clock = Clock()
    first, second = clock.time(), clock.time()
    assert clock.virtual is False and second >= first and abs(first - time.time()) < 5


# ------------------------------------------------------------------ time-based schedules
def test_a_job_walks_queued_running_succeeded_on_time(engine, clock):
    created = engine.start("job-1", "test")
    assert created.state == QUEUED and created.created_at == T0
    assert states(engine, "job-1", clock, [0.999, 1.0, 2.999, 3.0, 50]) == [
        QUEUED,
        RUNNING,
        RUNNING,
        SUCCEEDED,
        SUCCEEDED,
    ]
    done = engine.read("job-1")
    assert done.history == ((QUEUED, T0), (RUNNING, T0 + 1), (SUCCEEDED, T0 + 3))
    assert (done.started_at, done.ended_at, done.error) == (T0 + 1, T0 + 3, None)


def test_transitions_keep_their_exact_instants_when_read_late(engine, clock):
    engine.start("late", "test")
    clock.set(T0 + 100)
    status = engine.read("late")
    assert status.state == SUCCEEDED
    assert status.history == ((QUEUED, T0), (RUNNING, T0 + 1), (SUCCEEDED, T0 + 3))


def test_from_duration_splits_the_total_evenly():
    assert Schedule.from_duration(2.0) == Schedule(queued_seconds=1.0, running_seconds=1.0)
    assert Schedule.from_duration(0).step(QUEUED) == ("seconds", 0)


def test_a_zero_duration_job_is_done_when_created(clock):
    engine = JobEngine(StoreContext(Database(), clock, IdFactory(), "p"), Schedule.from_duration(0))
    assert engine.start("now", "test").state == SUCCEEDED


@pytest.mark.parametrize(
    "outcome, error, expected_error",
    [
        (FAILED, "the parser broke", "the parser broke"),
        (PARTIALLY_SUCCEEDED, None, "Some fields could not be extracted (forced by llamacloud-mock)."),
        (SUCCEEDED, None, None),
    ],
)
def test_the_schedule_decides_the_outcome_and_its_error(engine, clock, outcome, error, expected_error):
    engine.start("job", "test", Schedule(queued_seconds=0, running_seconds=1, outcome=outcome, error=error))
    assert engine.read("job").error is None  # no error while running
    clock.advance(1)
    status = engine.read("job")
    assert (status.state, status.error) == (outcome, expected_error)


# ------------------------------------------------------------------ poll-based schedules
def test_polls_move_a_poll_scheduled_job_and_other_reads_do_not(engine):
    engine.start("polled", "test", Schedule(queued_polls=2, running_polls=1))
    assert engine.read("polled").state == QUEUED  # not a poll: counts nothing
    polled = [engine.read("polled", poll=True).state for _ in range(5)]
    assert polled == [QUEUED, QUEUED, RUNNING, SUCCEEDED, SUCCEEDED]
    assert engine.read("polled").state == SUCCEEDED


def test_polls_and_seconds_mix_per_state(engine, clock):
    engine.start("mixed", "test", Schedule(queued_polls=1, running_seconds=5))
    clock.advance(100)  # time does not end a poll-based state
    assert engine.read("mixed").state == QUEUED
    assert engine.read("mixed", poll=True).state == QUEUED  # the one poll answered queued
    assert engine.read("mixed").state == RUNNING  # the next read finds the quota spent: running from now
    clock.advance(5)
    assert engine.read("mixed").history == ((QUEUED, T0), (RUNNING, T0 + 100), (SUCCEEDED, T0 + 105))


def test_poll_counts_are_persisted(tmp_path, clock):
    path = tmp_path / "state.json"
    db = Database(path)
    engine = JobEngine(StoreContext(db, clock, IdFactory(), "p"), Schedule(queued_polls=3))
    engine.start("kept", "test")
    engine.read("kept", poll=True)
    engine.read("kept", poll=True)
    db.close()

    reopened = JobEngine(StoreContext(Database(path), clock, IdFactory(), "p"), Schedule())
    assert reopened.read("kept", poll=True).state == QUEUED  # the third poll
    assert reopened.read("kept", poll=True).state == RUNNING


# ------------------------------------------------------------------ per-job control
def test_hold_keeps_a_job_in_a_state_until_released(engine, clock):
    engine.start("held", "test")
    assert engine.hold("held", RUNNING).state == RUNNING
    clock.advance(1000)
    status = engine.read("held")
    assert (status.state, status.held) == (RUNNING, True)
    released = engine.release("held")
    assert (released.state, released.held) == (RUNNING, False)
    clock.advance(1.999)  # running lasts 2 s from the release
    assert engine.read("held").state == RUNNING
    clock.advance(0.001)
    assert engine.read("held").state == SUCCEEDED
    assert [s for s, _ in engine.read("held").history] == [QUEUED, RUNNING, SUCCEEDED]


def test_finish_fails_or_completes_at_once(engine, clock):
    engine.start("a", "test")
    engine.start("b", "test")
    clock.advance(0.5)
    failed = engine.finish("a", FAILED, "disk on fire")
    assert (failed.state, failed.error, failed.ended_at) == (FAILED, "disk on fire", T0 + 0.5)
    assert engine.finish("b", SUCCEEDED).state == SUCCEEDED
    clock.advance(100)
    assert engine.read("a").state == FAILED  # the schedule no longer applies


def test_cancel_and_what_a_finished_job_refuses(engine, clock):
    engine.start("c", "test")
    cancelled = engine.cancel("c")
    assert (cancelled.state, cancelled.error) == (CANCELLED, "The job was cancelled.")
    for action in (
        lambda: engine.cancel("c"),
        lambda: engine.hold("c", QUEUED),
        lambda: engine.release("c"),
        lambda: engine.set_schedule("c", Schedule()),
        lambda: engine.finish("c", FAILED),
    ):
        with pytest.raises(Conflict, match="it has already finished \\(cancelled\\)"):
            action()


def test_set_schedule_replaces_the_remaining_steps(engine, clock):
    engine.start("slow", "test")
    clock.advance(0.5)
    engine.set_schedule("slow", Schedule(queued_seconds=10, running_seconds=0, outcome=FAILED, error="late"))
    clock.advance(9)
    assert engine.read("slow").state == QUEUED  # 9.5 s after creation
    clock.advance(0.5)
    status = engine.read("slow")
    assert (status.state, status.error, status.since) == (FAILED, "late", T0 + 10)


def test_invalid_control_is_refused(engine):
    engine.start("x", "test")
    with pytest.raises(InvalidField) as wrong_state:
        engine.hold("x", SUCCEEDED)
    assert wrong_state.value.loc == ("body", "state")
    with pytest.raises(InvalidField) as wrong_outcome:
        engine.finish("x", "exploded")
    assert wrong_outcome.value.loc == ("body", "outcome")
    with pytest.raises(InvalidField) as negative:
        Schedule(queued_seconds=-1)
    assert negative.value.loc == ("body", "queued_seconds")
    with pytest.raises(InvalidField) as bad_outcome:
        Schedule(outcome=CANCELLED)
    assert bad_outcome.value.loc == ("body", "outcome")
    with pytest.raises(NotFound, match="Job 'nope' not found"):
        engine.read("nope")
