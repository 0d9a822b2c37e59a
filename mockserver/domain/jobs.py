"""The job lifecycle engine shared by every extraction API. No HTTP here.

A job walks ``queued -> running -> <outcome>``, the outcome being ``succeeded``,
``partially_succeeded`` or ``failed``; ``cancelled`` ends it early. Each API maps these internal
states to its own wire statuses (v1 extraction: PENDING, SUCCESS, PARTIAL_SUCCESS, ERROR,
CANCELLED).

Nothing runs in the background. Like moto's lazy state manager, a job's state is computed when
it is read, from its schedule and the server's clock (mockserver/domain/clock.py), so runs are
deterministic and a virtual clock controls them completely. A schedule says how long the job
stays queued and running, in seconds of the clock or in polls (reads that count, such as
``GET /jobs/{id}``), and how it ends. The server default comes from ``--job-duration``; each job
may get its own (``set_schedule``), be held in a state, failed, completed or cancelled at once.

Lifecycle records live in the TinyDB table ``jobs``, one per job id, beside each API's own job
record::

    {"id", "kind", "schedule": {...}, "history": [[state, at], ...], "timer_from", "polls",
     "held", "error"}

``history`` holds every state entered and when (clock seconds); ``timer_from`` is when the current
state's step began counting (its entry, or the release of a hold) and ``polls`` the counting reads
seen in it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from tinydb.table import Document

from mockserver.domain.clock import format_epoch
from mockserver.domain.errors import Conflict, InvalidField, NotFound
from mockserver.domain.store import Store, StoreContext

QUEUED = "queued"
RUNNING = "running"
SUCCEEDED = "succeeded"
PARTIALLY_SUCCEEDED = "partially_succeeded"
FAILED = "failed"
CANCELLED = "cancelled"

STATES = (QUEUED, RUNNING, SUCCEEDED, PARTIALLY_SUCCEEDED, FAILED, CANCELLED)
ACTIVE = (QUEUED, RUNNING)
OUTCOMES = (SUCCEEDED, PARTIALLY_SUCCEEDED, FAILED)
TERMINAL = (*OUTCOMES, CANCELLED)

DEFAULT_JOB_DURATION = 2.0  # seconds: half queued, half running (--job-duration)

# Extract v2 (/api/v2/extract) wire status of each state. It has no partial status: a partial
# success is COMPLETED, its field errors in extract_metadata (mockserver/domain/extract_v2.py).
EXTRACT_V2_STATUS = {
    QUEUED: "PENDING",
    RUNNING: "RUNNING",
    SUCCEEDED: "COMPLETED",
    PARTIALLY_SUCCEEDED: "COMPLETED",
    FAILED: "FAILED",
    CANCELLED: "CANCELLED",
}

DEFAULT_ERRORS = {
    FAILED: "The job failed (forced by llamacloud-mock).",
    PARTIALLY_SUCCEEDED: "Some fields could not be extracted (forced by llamacloud-mock).",
    CANCELLED: "The job was cancelled.",
}


@dataclass(frozen=True)
class Schedule:
    """How a job spends its life: each active state lasts seconds, or polls when those are set."""

    queued_seconds: float = DEFAULT_JOB_DURATION / 2
    running_seconds: float = DEFAULT_JOB_DURATION / 2
    queued_polls: int | None = None
    running_polls: int | None = None
    outcome: str = SUCCEEDED
    error: str | None = None

    def __post_init__(self) -> None:
        for name in ("queued_seconds", "running_seconds", "queued_polls", "running_polls"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise InvalidField(("body", name), f"{name} must be zero or more, not {value}")
        if self.outcome not in OUTCOMES:
            raise InvalidField(
                ("body", "outcome"), f"outcome must be one of {', '.join(OUTCOMES)}, not {self.outcome!r}"
            )

    @classmethod
    def from_duration(cls, seconds: float, outcome: str = SUCCEEDED, error: str | None = None) -> Schedule:
        """The schedule of ``--job-duration``: the total split evenly between queued and running."""
        return cls(queued_seconds=seconds / 2, running_seconds=seconds / 2, outcome=outcome, error=error)

    @classmethod
    def from_dict(cls, value: dict[str, Any]) -> Schedule:
        return cls(**value)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def ending(self, outcome: str, error: str | None = None) -> Schedule:
        return replace(self, outcome=outcome, error=error)

    def step(self, state: str) -> tuple[str, float]:
        """("polls", n) or ("seconds", s): what ends the given active state."""
        polls = self.queued_polls if state == QUEUED else self.running_polls
        if polls is not None:
            return "polls", polls
        return "seconds", self.queued_seconds if state == QUEUED else self.running_seconds


@dataclass(frozen=True)
class JobStatus:
    """A job's state as read at one instant."""

    state: str
    error: str | None
    history: tuple[tuple[str, float], ...]
    held: bool

    @property
    def created_at(self) -> float:
        return self.history[0][1]

    @property
    def since(self) -> float:
        return self.history[-1][1]

    @property
    def started_at(self) -> float | None:
        return next((at for state, at in self.history if state == RUNNING), None)

    @property
    def ended_at(self) -> float | None:
        return self.since if self.state in TERMINAL else None

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL


def advance(record: dict[str, Any], now: float, poll: bool = False) -> dict[str, Any]:
    """The lifecycle record as of ``now`` (a new dict when anything changed, else ``record``).

    Active states end when their step is spent: ``seconds`` after ``timer_from`` (the transition
    then happens at that exact instant), or after ``polls`` counting reads (the transition then
    happens at the read that finds the quota spent). A counting read is counted after the
    transitions, in the state it observes: ``queued_polls=2`` means two polls answer queued.
    """
    if record["held"] or record["history"][-1][0] not in ACTIVE:
        return record
    schedule = Schedule.from_dict(record["schedule"])
    history = record["history"]
    state = history[-1][0]
    timer_from, polls = record["timer_from"], record["polls"]
    entered = []
    while state in ACTIVE:
        kind, amount = schedule.step(state)
        if kind == "seconds":
            at = timer_from + amount
            if now < at:
                break
        else:
            if polls < amount:
                break
            at = now
        state = RUNNING if state == QUEUED else schedule.outcome
        entered.append([state, at])
        timer_from, polls = at, 0
    if poll and state in ACTIVE:
        polls += 1
    if not entered and polls == record["polls"]:
        return record
    return {**record, "history": [*history, *entered], "timer_from": timer_from, "polls": polls}


def status_of(record: dict[str, Any]) -> JobStatus:
    state = record["history"][-1][0]
    error = None
    if state in DEFAULT_ERRORS:
        error = record.get("error") or record["schedule"].get("error") or DEFAULT_ERRORS[state]
    return JobStatus(
        state=state,
        error=error,
        history=tuple((s, at) for s, at in record["history"]),
        held=record["held"],
    )


class JobEngine(Store):
    """Lifecycle records of every job of every API, read lazily and controlled per job."""

    TABLE = "jobs"

    def __init__(self, context: StoreContext, default_schedule: Schedule | None = None):
        self.table = context.db.table(self.TABLE)
        self.clock = context.clock
        self.default_schedule = default_schedule or Schedule()
        self._records = self.table.documents()

    # ------------------------------------------------------------------ life
    def start(self, job_id: str, kind: str, schedule: Schedule | None = None) -> JobStatus:
        """Create the lifecycle of a new job, queued now."""
        now = self.clock.time()
        record = {
            "id": job_id,
            "kind": kind,
            "schedule": (schedule or self.default_schedule).to_dict(),
            "history": [[QUEUED, now]],
            "timer_from": now,
            "polls": 0,
            "held": False,
            "error": None,
        }
        self.table.insert(Document(record, doc_id=job_id))
        return self.read(job_id)

    def read(self, job_id: str, poll: bool = False) -> JobStatus:
        """The job's status now; ``poll`` counts this read toward poll-based steps."""
        return status_of(self._advance(job_id, poll))

    def remove(self, job_id: str) -> None:
        if job_id in self._records:
            self.table.remove(doc_ids=[job_id])

    def due_at(self, job_id: str) -> float | None:
        """When, on the clock, the job leaves its current state by itself: None when it has
        finished, is held, or counts polls (then only a read moves it)."""
        record = self._advance(job_id, poll=False)
        state = record["history"][-1][0]
        if record["held"] or state not in ACTIVE:
            return None
        kind, amount = Schedule.from_dict(record["schedule"]).step(state)
        return record["timer_from"] + amount if kind == "seconds" else None

    # ------------------------------------------------------------------ per-job control
    def set_schedule(self, job_id: str, schedule: Schedule) -> JobStatus:
        """Replace the schedule of an unfinished job; its current state keeps its start."""
        self._active(job_id, "change the schedule of")
        self.table.update({"schedule": schedule.to_dict()}, doc_ids=[job_id])
        return self.read(job_id)

    def hold(self, job_id: str, state: str) -> JobStatus:
        """Put an unfinished job in ``queued`` or ``running`` and keep it there until released."""
        if state not in ACTIVE:
            raise InvalidField(("body", "state"), f"a job can be held in {' or '.join(ACTIVE)}, not {state!r}")
        record = self._active(job_id, "hold")
        now = self.clock.time()
        history = record["history"] if record["history"][-1][0] == state else [*record["history"], [state, now]]
        self.table.update({"history": history, "held": True, "timer_from": now, "polls": 0}, doc_ids=[job_id])
        return self.read(job_id)

    def release(self, job_id: str) -> JobStatus:
        """Let a held job go on: its current state's step starts counting again from now."""
        self._active(job_id, "release")
        self.table.update({"held": False, "timer_from": self.clock.time(), "polls": 0}, doc_ids=[job_id])
        return self.read(job_id)

    def finish(self, job_id: str, outcome: str, error: str | None = None) -> JobStatus:
        """End an unfinished job now with the given outcome (complete now, fail now)."""
        if outcome not in TERMINAL:
            raise InvalidField(("body", "outcome"), f"outcome must be one of {', '.join(TERMINAL)}, not {outcome!r}")
        record = self._active(job_id, "finish")
        history = [*record["history"], [outcome, self.clock.time()]]
        self.table.update({"history": history, "held": False, "error": error}, doc_ids=[job_id])
        return self.read(job_id)

    def cancel(self, job_id: str) -> JobStatus:
        return self.finish(job_id, CANCELLED)

    def step(self, job_id: str) -> JobStatus:
        """Move an unfinished job to its next state now: queued to running, running to the
        schedule's outcome. A hold stays on (a held job steps only when told); the new state's
        step starts counting from now."""
        record = self._active(job_id, "advance")
        schedule = Schedule.from_dict(record["schedule"])
        state = record["history"][-1][0]
        now = self.clock.time()
        if state == QUEUED:
            history = [*record["history"], [RUNNING, now]]
            self.table.update({"history": history, "timer_from": now, "polls": 0}, doc_ids=[job_id])
            return self.read(job_id)
        return self.finish(job_id, schedule.outcome, schedule.error)

    def list(self, state: str | None = None, limit: int | None = None) -> list[tuple[str, str, JobStatus]]:
        """(id, kind, status) of every job (in one state only, when given), oldest first; the last
        ``limit`` only, when given (without a state, the others are not even read)."""
        ids = list(self._records)
        if state is None and limit:
            ids = ids[-limit:]
        jobs = [(job_id, self._records[job_id]["kind"], self.read(job_id)) for job_id in ids]
        found = [job for job in jobs if state is None or job[2].state == state]
        return found[-limit:] if limit else found

    def describe(self, job_id: str) -> dict[str, Any]:
        """The job's lifecycle as the admin API shows it: state, schedule, history and hold."""
        status = self.read(job_id)
        record = self._records[job_id]
        return {
            "id": job_id,
            "kind": record["kind"],
            "state": status.state,
            "held": status.held,
            "error": status.error,
            "schedule": dict(record["schedule"]),
            "history": [{"state": state, "at": format_epoch(at)} for state, at in status.history],
            "polls": record["polls"],
        }

    # ------------------------------------------------------------------ internals
    def _get(self, job_id: str) -> dict[str, Any]:
        record = self._records.get(job_id)
        if record is None:
            raise NotFound("Job", job_id)
        return record

    def _advance(self, job_id: str, poll: bool) -> dict[str, Any]:
        record = self._get(job_id)
        advanced = advance(record, self.clock.time(), poll)
        if advanced is not record:
            changes = {k: advanced[k] for k in ("history", "timer_from", "polls")}
            self.table.update(changes, doc_ids=[job_id])
        return self._records[job_id]

    def _active(self, job_id: str, verb: str) -> dict[str, Any]:
        record = self._advance(job_id, poll=False)
        state = record["history"][-1][0]
        if state in TERMINAL:
            raise Conflict(f"Cannot {verb} job {job_id!r}: it has already finished ({state}).")
        return record
