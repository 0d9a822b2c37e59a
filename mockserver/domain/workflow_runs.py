"""Workflow runs: handlers, their event logs, and the scenario steps that fill them, on the server's clock.

A handler is one run of a scenario workflow (mockserver/domain/scenarios.py). Its steps happen in
order, each at an instant of the server's clock: a step with ``after: s`` happens ``s`` seconds
after the step before it (the instant it was due, not the instant it was noticed, so a virtual
clock gives the same timestamps every time). Everything due by the clock's current time happens
synchronously: when the run starts, when a request touches the runs (``tick``), when the clock is
moved by hand (a clock listener), and from one background task sleeping until the next instant
something is due (``running``). So a one-step run completes inside its POST, and with
``--virtual-clock`` a run moves exactly when the test advances the clock.

Every event a run produces gets the next sequence number of its handler (internal ones included,
as on the real server: StepStateChanged around each workflow step, WorkflowIdleEvent while it
waits for an answer) and is kept, encoded once, in the handler's log; streams read the log and
wait on the handler's ``changed`` signal. A run ends with a StopEvent (completed), a
WorkflowFailedEvent (a ``fail`` step: failed), a WorkflowTimedOutEvent (its ``timeout``: failed)
or a WorkflowCancelledEvent (cancel: cancelled).

Memory: an ended handler keeps its record (a dict and its JSON) and its log as encoded bytes, a
few hundred bytes per event; the number of events is bounded by its workflow's steps. The last
``max_ended`` ended handlers are kept (``--max-ended-handlers``; the oldest goes first), where the
real server's memory store keeps 1,000: a test may list or read any handler it made, and a load
test does not grow the fake without bound.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import heapq
import itertools
import logging
import random
import string
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tinydb.table import Document

from mockserver import jsonio
from mockserver.domain.clock import format_epoch
from mockserver.domain.scenarios import Deployment, ScenarioError, Step, Workflow, not_an_object, render
from mockserver.domain.store import Store, StoreContext

if TYPE_CHECKING:
    from mockserver.storage import InPlaceTable

log = logging.getLogger("llamacloud_mock.workflows")

RUNNING, COMPLETED, FAILED, CANCELLED = "running", "completed", "failed", "cancelled"
STATUSES = (RUNNING, COMPLETED, FAILED, CANCELLED)
_ID_ALPHABET = string.ascii_letters + string.digits
MAX_SLEEP = 60.0  # wall seconds the background task sleeps at most between two looks
INTERNAL = "InternalDispatchEvent"
WORKFLOW_HANDLERS = "workflow_handlers"  # the table of handlers with --db


class WorkflowError(Exception):
    """A request the workflow server refuses: ``status`` and ``detail`` as the real server answers."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status
        self.detail = detail


def checked_event(workflow: Workflow, event_type: Any, value: Any) -> str:
    """The name of the event type a run can be sent, when ``value`` fits it; else the real server's 400."""
    event_class = workflow.registry.get(event_type) if isinstance(event_type, str) else None
    if event_class is None:
        raise WorkflowError(400, f"Invalid event type: {event_type}. Expected one of {', '.join(workflow.registry)}")
    if not isinstance(value, dict):
        raise WorkflowError(400, f"Failed to deserialize event: {not_an_object(event_class.name, value)}")
    problems = event_class.validate(value)
    if problems:
        raise WorkflowError(400, f"Failed to deserialize event: {problems[0]}")
    return event_class.name


def _kept(value: Any) -> bytes:
    """``value`` as JSON, to keep: a copy of orjson's answer, whose allocation is a 4 KB buffer
    whatever its length (seen with tracemalloc: 17 KB per ended one-step handler, 1.3 KB copied)."""
    return bytes(memoryview(jsonio.dumps(value)))


def _iso(seconds: float) -> str:
    return format_epoch(seconds)[:-1] + "+00:00"  # the real server writes the offset


@dataclass(slots=True)
class LoggedEvent:
    sequence: int
    internal: bool
    json: bytes  # the envelope, encoded once


def _envelope(event_type: str, value: Any, types: tuple[str, ...] | None, qualified_name: str | None) -> dict:
    return {
        "value": value,
        "qualified_name": qualified_name,
        "type": event_type,
        "types": list(types) if types else None,
    }


def _builtin(event_type: str, value: Any, superclass: str) -> dict:
    """The envelope of one of the workflow library's own events (workflows.events)."""
    return _envelope(event_type, value, (superclass,), f"workflows.events.{event_type}")


class Handler:
    """One run: its record (what GET /handlers/{id} answers), its event log, where it stands."""

    __slots__ = (
        "handler_id", "deployment", "workflow", "run_id", "status", "error", "result",
        "started_at", "updated_at", "completed_at", "log", "changed", "ended",
        "pc", "at", "waiting", "scope", "pending", "step_started", "_json",
    )  # fmt: skip

    def __init__(self, handler_id: str, deployment: str, workflow: Workflow, run_id: str, now: float, start: dict):
        self.handler_id = handler_id
        self.deployment = deployment
        self.workflow = workflow
        self.run_id = run_id
        self.status = RUNNING
        self.error: str | None = None
        self.result: dict | None = None
        self.started_at = self.updated_at = now
        self.completed_at: float | None = None
        self.log: list[LoggedEvent] = []
        self.changed: asyncio.Event | None = None  # set (and replaced) when the log grows or the run ends
        self.ended: asyncio.Event | None = None
        self.pc = 0  # the next step
        self.at = now  # the instant the last step happened: the next one's `after` counts from here
        self.waiting: Step | None = None  # the ask whose answer the run waits for
        self.scope: dict[str, Any] = {"start": start, "handler_id": handler_id, "answer": None}
        self.pending: list[tuple[str, Any]] = []  # answers sent before the run asked for them
        self.step_started = now
        self._json: bytes | None = None

    @property
    def done(self) -> bool:
        return self.status != RUNNING

    @property
    def last_sequence(self) -> int:
        return self.log[-1].sequence if self.log else -1

    def record(self) -> dict[str, Any]:
        return {
            "handler_id": self.handler_id,
            "workflow_name": self.workflow.name,
            "run_id": self.run_id,
            "error": self.error,
            "result": self.result,
            "result_unreadable": False,
            "status": self.status,
            "started_at": _iso(self.started_at),
            "updated_at": _iso(self.updated_at),
            "completed_at": _iso(self.completed_at) if self.completed_at is not None else None,
        }

    def json(self) -> bytes:
        """The record as JSON; an ended handler never changes, so its JSON is kept."""
        if self._json is not None:
            return self._json
        if not self.done:
            return jsonio.dumps(self.record())
        self._json = _kept(self.record())
        return self._json

    @property
    def doc_id(self) -> str:
        return f"{self.deployment}/{self.handler_id}"

    def document(self) -> dict[str, Any]:
        """The handler as a table document: its record, its log, and where its run stands."""
        return {
            "deployment": self.deployment,
            "workflow": self.workflow.name,
            "handler_id": self.handler_id,
            "run_id": self.run_id,
            "status": self.status,
            "error": self.error,
            "result": self.result,
            "started_at": self.started_at,
            "updated_at": self.updated_at,
            "completed_at": self.completed_at,
            "log": [[e.sequence, e.internal, e.json.decode()] for e in self.log],
            "pc": self.pc,
            "at": self.at,
            "waiting": self.waiting is not None,
            "scope": self.scope,
            "pending": [list(p) for p in self.pending],
            "step_started": self.step_started,
        }

    @classmethod
    def from_document(cls, document: dict[str, Any], workflow: Workflow) -> Handler:
        handler = cls(
            document["handler_id"], document["deployment"], workflow, document["run_id"], document["started_at"], {}
        )
        handler.status = document["status"]
        handler.error = document["error"]
        handler.result = document["result"]
        handler.updated_at = document["updated_at"]
        handler.completed_at = document["completed_at"]
        handler.log = [LoggedEvent(sequence, internal, text.encode()) for sequence, internal, text in document["log"]]
        handler.pc = document["pc"]
        handler.at = document["at"]
        handler.waiting = workflow.steps[handler.pc - 1] if document["waiting"] else None
        handler.scope = document["scope"]
        handler.pending = [tuple(p) for p in document["pending"]]
        handler.step_started = document["step_started"]
        return handler

    def where(self) -> dict[str, Any]:
        """Where the run stands (the admin API): the next step, and what it waits for."""
        step = self.workflow.steps[self.pc] if not self.done and self.pc < len(self.workflow.steps) else None
        return {
            "handler_id": self.handler_id,
            "deployment": self.deployment,
            "workflow_name": self.workflow.name,
            "status": self.status,
            "step": self.pc,
            "waiting_for": self.waiting.expect if self.waiting else None,
            "next_step_at": _iso(self.at + step.after) if step is not None and self.waiting is None else None,
            "last_sequence": self.last_sequence,
        }

    def _notify(self) -> None:
        if self.changed is not None:
            self.changed.set()
            self.changed = None
        if self.done and self.ended is not None:
            self.ended.set()


class WorkflowRuns(Store):
    """Every deployment's handlers, and the clock-driven progress of their runs.

    With ``persisted`` (``--db``) every handler is a document of the table ``workflow_handlers``;
    without, handlers live in memory only (a table would hold each event log twice for nothing).
    """

    def __init__(
        self,
        context: StoreContext,
        deployments: Iterable[Deployment],
        persisted: bool = False,
        max_ended: int = 100_000,
    ):
        self.deployments: dict[str, Deployment] = {}
        for deployment in deployments:
            other = self.deployments.get(deployment.name)
            if other is not None:
                raise ScenarioError(
                    f"{deployment.source}: deployment '{deployment.name}' is already served from {other.source}: "
                    "one scenario file per deployment"
                )
            self.deployments[deployment.name] = deployment
        self.clock = context.clock
        self.ids = context.ids
        self.handlers: dict[tuple[str, str], Handler] = {}  # (deployment, handler_id), in creation order
        self._due: list[tuple[float, int, str, str, int]] = []  # (instant, tie, deployment, handler_id, pc)
        self._tie = itertools.count()
        self._random = random.Random(self.ids.seed)  # handler ids: reproducible with --id-seed
        self._wake: asyncio.Event | None = None
        self._timer_task: asyncio.Task | None = None
        self.table: InPlaceTable | None = context.db.table(WORKFLOW_HANDLERS) if persisted else None
        self.max_ended = max_ended
        self._ended: collections.deque[Handler] = collections.deque()  # oldest first: the first forgotten
        add_listener = getattr(self.clock, "add_listener", None)
        if add_listener is not None and self.deployments:
            add_listener(self._clock_moved)
        self.reload()

    # ------------------------------------------------------------------ reads
    def deployment(self, name: str) -> Deployment:
        found = self.deployments.get(name)
        if found is None:
            served = ", ".join(self.deployments) or "none (start the fake with --workflows FILE)"
            raise WorkflowError(404, f"Deployment '{name}' not found. This server serves: {served}")
        return found

    def workflow(self, deployment: str, name: str) -> Workflow:
        found = self.deployment(deployment).workflows.get(name)
        if found is None:
            raise WorkflowError(404, "Workflow not found")
        return found

    def handler(self, deployment: str, handler_id: str) -> Handler:
        self.deployment(deployment)
        self.tick()
        found = self.handlers.get((deployment, handler_id))
        if found is None:
            raise WorkflowError(404, "Handler not found")
        return found

    def list(self, deployment: str, statuses: list[str] | None, workflow_names: list[str] | None) -> list[Handler]:
        self.deployment(deployment)
        self.tick()
        statuses = [s for s in statuses or () if s]
        workflow_names = [w for w in workflow_names or () if w]
        return [
            h
            for (d, _), h in self.handlers.items()
            if d == deployment
            and (not statuses or h.status in statuses)
            and (not workflow_names or h.workflow.name in workflow_names)
        ]

    # ------------------------------------------------------------------ runs
    def new_id(self) -> str:
        return "".join(self._random.choices(_ID_ALPHABET, k=10))

    def start(self, deployment: str, workflow_name: str, start: dict, handler_id: str | None = None) -> Handler:
        workflow = self.workflow(deployment, workflow_name)
        problems = workflow.start_validator(start)
        if problems:
            raise WorkflowError(400, f"Validation error for 'start_event': Failed to deserialize event: {problems[0]}")
        self.tick()
        if handler_id is not None:
            previous = self.handlers.get((deployment, handler_id))
            if previous is not None and not previous.done:
                raise WorkflowError(409, f"Handler '{handler_id}' is already running")
            if previous is not None:  # a new run under the same id replaces it (and its document)
                del self.handlers[(deployment, handler_id)]
        handler = Handler(handler_id or self.new_id(), deployment, workflow, self.new_id(), self.clock.time(), start)
        self.handlers[(deployment, handler.handler_id)] = handler
        if workflow.timeout is not None:
            self._schedule(handler, handler.started_at + workflow.timeout, pc=-1)
        self._begin_step(handler, workflow.start_schema["title"], handler.started_at)
        self._advance(handler, self.clock.time())
        return handler

    def send(self, handler: Handler, event_type: str, value: Any) -> None:
        """An event posted to a run (the caller checked its type is in the workflow's registry)."""
        self.tick()
        if handler.done:
            raise WorkflowError(409, "Workflow already completed")
        waiting = handler.waiting
        if waiting is not None and event_type == waiting.expect:
            now = self.clock.time()
            self._answer(handler, waiting, value, now)
            self._advance(handler, now)
        elif any(s.kind == "ask" and s.expect == event_type for s in handler.workflow.steps[handler.pc :]):
            handler.pending.append((event_type, value))  # a step will take it when the run asks
            self._save(handler)
        # any other registered type: accepted, and no step of the run takes it (as on the real server)

    def answer(self, handler: Handler, event_type: str | None, value: dict) -> None:
        """Answer the question the run waits for (the admin API), as a client posting the event would."""
        self.tick()
        if handler.done:
            raise WorkflowError(409, "Workflow already completed")
        if handler.waiting is None:
            raise WorkflowError(409, "The run waits for no answer now (see next_step_at)")
        name = checked_event(handler.workflow, event_type or handler.waiting.expect, value)
        self.send(handler, name, value)

    def cancel(self, handler: Handler, purge: bool) -> str:
        self.tick()
        if purge:
            if not handler.done:
                self._end(handler, CANCELLED, self.clock.time(), _builtin("WorkflowCancelledEvent", {}, "StopEvent"))
            self._forget(handler)
            return "deleted"
        if handler.done:
            raise WorkflowError(404, "Handler not found")
        self._end(handler, CANCELLED, self.clock.time(), _builtin("WorkflowCancelledEvent", {}, "StopEvent"))
        return "cancelled"

    def fail(self, handler: Handler, message: str) -> None:
        """End a run as failed now, as a failing step would (the admin API)."""
        self.tick()
        if handler.done:
            raise WorkflowError(409, "Workflow already completed")
        step = handler.workflow.steps[min(handler.pc, len(handler.workflow.steps) - 1)]
        self._fail(handler, step, message, self.clock.time())

    def reset(self) -> None:
        """No handler left (streams still open end), handler ids from the ids' seed again; before the
        clock moves back, so that no run is left to move."""
        self._random = random.Random(self.ids.seed)
        for handler in self.handlers.values():
            if not handler.done:
                handler.status = CANCELLED
                handler._notify()
        self.handlers.clear()
        self._ended.clear()
        self._due.clear()

    async def wait(self, handler: Handler) -> None:
        if handler.done:
            return
        if handler.ended is None:
            handler.ended = asyncio.Event()
        self._ensure_timer()
        await handler.ended.wait()

    def changed(self, handler: Handler) -> asyncio.Event:
        """An event set the next time the handler's log grows or it ends."""
        if handler.changed is None:
            handler.changed = asyncio.Event()
        self._ensure_timer()
        return handler.changed

    # ------------------------------------------------------------------ persistence (--db)
    def _save(self, handler: Handler) -> None:
        if self.table is not None:
            self.table.upsert(Document(handler.document(), doc_id=handler.doc_id))

    def _forget(self, handler: Handler) -> None:
        """Drop a handler (purged, or the oldest ended one beyond ``max_ended``), unless its id now names another."""
        key = (handler.deployment, handler.handler_id)
        if self.handlers.get(key) is handler:
            del self.handlers[key]
            if self.table is not None and handler.doc_id in self.table.documents():
                self.table.remove(doc_ids=[handler.doc_id])

    def _ended_one(self, handler: Handler) -> None:
        self._ended.append(handler)
        while len(self._ended) > self.max_ended:
            self._forget(self._ended.popleft())

    def restored(self, snapshot: dict[str, Any]) -> None:
        self.reload()

    def reload(self) -> None:
        """The handlers of the table (at start, after a restore); running ones go on from where they were."""
        self.handlers.clear()
        self._ended.clear()
        self._due.clear()
        if self.table is None:
            return
        for document in self.table.documents().values():
            workflow = self.deployments.get(document["deployment"], None)
            workflow = workflow.workflows.get(document["workflow"]) if workflow is not None else None
            if workflow is None:
                log.warning(
                    "handler %s of %s/%s is left out: no scenario file serves that workflow now",
                    document["handler_id"], document["deployment"], document["workflow"],
                )  # fmt: skip
                continue
            handler = Handler.from_document(document, workflow)
            self.handlers[(handler.deployment, handler.handler_id)] = handler
            if handler.done:
                self._ended_one(handler)
                continue
            if workflow.timeout is not None:
                self._schedule(handler, handler.started_at + workflow.timeout, pc=-1)
            if handler.waiting is None and handler.pc < len(workflow.steps):
                self._schedule(handler, handler.at + workflow.steps[handler.pc].after, handler.pc)

    def start_timer(self) -> None:
        """Start the background task now (the app's start-up: runs loaded from --db may be due)."""
        self._ensure_timer()

    # ------------------------------------------------------------------ the clock
    def tick(self) -> None:
        """Everything due by the clock's current time happens, in the order it was due."""
        due = self._due
        if not due:
            return
        now = self.clock.time()
        while due and due[0][0] <= now:
            instant, _, deployment, handler_id, pc = heapq.heappop(due)
            handler = self.handlers.get((deployment, handler_id))
            if handler is None or handler.done:
                continue
            if pc == -1:
                self._time_out(handler, instant)
            elif handler.pc == pc and handler.waiting is None:
                self._advance(handler, instant)

    def _schedule(self, handler: Handler, instant: float, pc: int) -> None:
        heapq.heappush(self._due, (instant, next(self._tie), handler.deployment, handler.handler_id, pc))
        if self._wake is not None:
            self._wake.set()

    def _clock_moved(self) -> None:
        self.tick()
        if self._wake is not None:
            self._wake.set()

    def _ensure_timer(self) -> None:
        """The background task that makes due steps happen on a running clock (started on first need,
        and again in another event loop: in-process test transports each run their own)."""
        loop = asyncio.get_running_loop()
        task = self._timer_task
        if task is None or task.done() or task.get_loop() is not loop:
            self._wake = asyncio.Event()
            self._timer_task = loop.create_task(self._timer(), name="llamacloud-mock workflow timer")

    async def _timer(self) -> None:
        wake = self._wake
        assert wake is not None
        while True:
            self.tick()
            wake.clear()
            delay = MAX_SLEEP
            if self._due and not getattr(self.clock, "frozen", False):
                delay = min(MAX_SLEEP, max(0.0, self._due[0][0] - self.clock.time()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), delay)

    # ------------------------------------------------------------------ steps
    def _advance(self, handler: Handler, now: float) -> None:
        """Run the steps that are due by ``now``; stop at one still to come, at an ask, or at the end."""
        steps = handler.workflow.steps
        while not handler.done and handler.waiting is None and handler.pc < len(steps):
            step = steps[handler.pc]
            instant = handler.at + step.after
            if instant > now:
                self._schedule(handler, instant, handler.pc)
                with contextlib.suppress(RuntimeError):  # no event loop: a tick will do it
                    self._ensure_timer()
                return
            handler.at = instant
            handler.pc += 1
            self._happen(handler, step, instant)

    def _happen(self, handler: Handler, step: Step, now: float) -> None:
        scope = handler.scope
        if step.kind == "emit":
            self._append(handler, _envelope(step.event, render(step.data, scope), step.types, step.qualified_name), now)
        elif step.kind == "ask":
            self._step_state(handler, step, "not_running", now, output=step.qualified_name)
            self._append(handler, _envelope(step.event, render(step.data, scope), step.types, step.qualified_name), now)
            handler.waiting = step
            for i, (event_type, value) in enumerate(handler.pending):
                if event_type == step.expect:
                    del handler.pending[i]
                    self._answer(handler, step, value, now)
                    return
            self._append(handler, _builtin("WorkflowIdleEvent", {}, INTERNAL), now, internal=True)
        elif step.kind == "stop":
            self._step_state(handler, step, "not_running", now, output="workflows.events.StopEvent")
            result = render(step.data, scope)
            value = {} if result is None else {"result": result}  # the real StopEvent leaves out a None result
            stop = _envelope("StopEvent", value, None, step.qualified_name)
            self._end(handler, COMPLETED, now, stop, result=stop)
        else:
            self._fail(handler, step, step.data, now)

    def _answer(self, handler: Handler, ask: Step, value: Any, now: float) -> None:
        handler.waiting = None
        handler.scope["answer"] = value
        handler.scope[f"answers.{ask.expect}"] = value
        handler.at = max(handler.at, now)
        self._begin_step(handler, ask.expect, handler.at)

    def _begin_step(self, handler: Handler, input_event: str, now: float) -> None:
        """A workflow step starts (at the start, or on an answer) with the step at ``handler.pc``."""
        handler.step_started = now
        self._step_state(handler, handler.workflow.steps[handler.pc], "running", now, input_name=input_event)

    def _step_state(
        self,
        handler: Handler,
        step: Step,
        state: str,
        now: float,
        output: str | None = None,
        input_name: str | None = None,
    ) -> None:
        if state == "running":
            value = {
                "name": step.step_name,
                "step_state": state,
                "worker_id": "0",
                "input_event_name": input_name,
                "output_event_name": None,
            }
        else:
            value = {
                "name": step.step_name,
                "step_state": state,
                "worker_id": "0",
                "input_event_name": f"<class '{self._input_qualified_name(handler, step)}'>",
                "output_event_name": f"<class '{output}'>" if output else None,
            }
        self._append(handler, _builtin("StepStateChanged", value, INTERNAL), now, internal=True)

    @staticmethod
    def _input_qualified_name(handler: Handler, step: Step) -> str:
        steps = handler.workflow.steps
        index = steps.index(step)
        for earlier in reversed(steps[:index]):
            if earlier.kind == "ask":
                return handler.workflow.registry[earlier.expect].qualified_name
        return handler.workflow.registry[handler.workflow.start_schema["title"]].qualified_name

    def _fail(self, handler: Handler, step: Step, message: str, now: float) -> None:
        self._step_state(handler, step, "not_running", now)
        value = {
            "step_name": step.step_name,
            "exception": {"exception_type": "builtins.RuntimeError", "exception_message": message},
            "attempts": 1,
            "elapsed_seconds": max(0.0, now - handler.step_started),
        }
        self._end(handler, FAILED, now, _builtin("WorkflowFailedEvent", value, "StopEvent"), error=message)

    def _time_out(self, handler: Handler, now: float) -> None:
        timeout = handler.workflow.timeout
        active = (
            []
            if handler.waiting is not None
            else [handler.workflow.steps[min(handler.pc, len(handler.workflow.steps) - 1)].step_name]
        )
        event = _builtin("WorkflowTimedOutEvent", {"timeout": timeout, "active_steps": active}, "StopEvent")
        self._end(handler, FAILED, now, event, error=f"Workflow timed out after {timeout}s")

    def _append(self, handler: Handler, envelope: dict, now: float, internal: bool = False) -> None:
        handler.log.append(LoggedEvent(len(handler.log), internal, _kept(envelope)))
        handler.updated_at = max(handler.updated_at, now)
        self._save(handler)
        handler._notify()

    def _end(
        self,
        handler: Handler,
        status: str,
        now: float,
        event: dict,
        result: dict | None = None,
        error: str | None = None,
    ) -> None:
        handler.status = status
        handler.result = result
        handler.error = error
        handler.waiting = None
        handler.completed_at = max(handler.updated_at, now)
        handler.scope = {}  # what the templates needed: not kept once ended
        handler.pending = []
        self._append(handler, event, handler.completed_at)
        self._ended_one(handler)
