"""Wire adapter of the fake's own admin API (openapi/admin.yaml): health, state, clock, jobs,
fault rules and the request journal. The controls themselves live in mockserver/admin/ and in
the domain (the job engine, the clock); this only translates."""

from __future__ import annotations

import os
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mockserver import __version__
from mockserver.admin import fixtures
from mockserver.admin.snapshot import UNSET
from mockserver.domain.errors import Conflict, InvalidField, NotFound
from mockserver.domain.jobs import Schedule
from mockserver.domain.workflow_runs import WorkflowError

if TYPE_CHECKING:  # the models are imported on first use (see generated operations)
    from generated.admin import models
    from mockserver.config import Config
    from mockserver.state import FakeState

WALL_CLOCK = "The server's clock is wall time and cannot be {verb}: start the server with --virtual-clock."


def _instant(text: str, loc: tuple) -> float:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidField(loc, f"expected an ISO 8601 instant such as 2030-01-01T00:00:00Z, not {text!r}") from None
    if moment.tzinfo is None:
        raise InvalidField(loc, f"the instant {text!r} needs a time zone (Z for UTC)")
    return moment.timestamp()


def options_in_force(config: Config) -> dict[str, Any]:
    """The server's options as the command line names them; the keys themselves are secrets (and
    the address is the one the client called)."""
    return {
        "db": str(config.db_path) if config.db_path else None,
        "default_project_id": config.default_project_id,
        "virtual_clock": ("running" if config.clock_running else "frozen") if config.virtual_clock else None,
        "job_duration": config.job_duration,
        "max_file_size": config.max_file_size,
        "journal_size": config.journal_size,
        "id_seed": config.id_seed,
        "seed_file": str(config.seed_file) if config.seed_file else None,
        "lenient": config.lenient,
        "validate_responses": config.validate_responses,
        "fast_path": config.fast_path,
        "api_keys": len(config.api_keys),
        "admin_key": config.admin_key is not None,
    }


def resident_memory() -> int | None:
    """The process's resident set in bytes (Linux's /proc; None elsewhere)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


class AdminApi:
    def __init__(self, state: FakeState):
        self.state = state
        self.clock = state.clock

    # ------------------------------------------------------------------ health
    async def get_health(self) -> dict:
        return {"status": "ok", "version": __version__}

    async def get_readiness(self) -> dict:
        # The state (--db, --seed-file) is loaded before the server listens: answering is being ready.
        return {"ready": True, "version": __version__}

    # ------------------------------------------------------------------ status
    async def get_status(self) -> dict:
        config = self.state.config
        db = self.state.db
        return {
            "version": __version__,
            "profile": config.profile,
            "options": options_in_force(config),
            "clock": self._clock_state(),
            "counts": {name: len(db.table(name)) for name in sorted(db.tables())},
            "memory_bytes": resident_memory(),
            "requests": {"received": self.state.journal.received, "journal_size": self.state.journal.size},
        }

    async def list_agent_data_collections(self) -> dict:
        return {"items": self.state.agent_data.collections()}

    # ------------------------------------------------------------------ state
    async def reset_state(self, body: models.ResetRequest | None = None) -> dict:
        options: dict[str, Any] = {"id_seed": UNSET, "clock": None}
        if body is not None:
            if "id_seed" in body.model_fields_set:
                options["id_seed"] = body.id_seed
            if body.clock is not None:
                options["clock"] = _instant(body.clock, ("body", "clock"))
        return {"duration_ms": self.state.reset(**options)}

    async def get_snapshot(self) -> dict:
        return self.state.snapshot()

    async def restore_snapshot(self, body: models.Snapshot) -> dict:
        return {"restored": self.state.restore(body.model_dump(mode="json"))}

    async def load_fixture(self, body: models.Fixture) -> dict:
        return {"created": fixtures.apply(self.state, body.model_dump(mode="json", exclude_none=True))}

    async def set_id_seed(self, body: models.IdSeed) -> dict:
        self.state.ids.reseed(body.seed)
        return {"seed": body.seed}

    # ------------------------------------------------------------------ clock
    def _clock_state(self) -> dict[str, Any]:
        return {
            "now": self.clock.now_iso(),
            "virtual": self.clock.virtual,
            "frozen": getattr(self.clock, "frozen", False),
        }

    def _virtual(self, verb: str) -> Any:
        if not self.clock.virtual:
            raise Conflict(WALL_CLOCK.format(verb=verb))
        return self.clock

    async def get_clock(self) -> dict:
        return self._clock_state()

    async def advance_clock(self, body: models.ClockAdvance) -> dict:
        self._virtual("moved").advance(body.seconds)
        return self._clock_state()

    async def set_clock(self, body: models.ClockSet) -> dict:
        clock = self._virtual("set")
        instant = _instant(body.now, ("body", "now"))
        if instant < clock.time():
            raise InvalidField(
                ("body", "now"),
                f"the clock only moves forward: {body.now} is before its current time {clock.now_iso()} "
                "(POST /_mock/reset with a clock puts it anywhere, along with an empty state)",
            )
        clock.set(instant)
        return self._clock_state()

    async def freeze_clock(self) -> dict:
        self._virtual("frozen").freeze()
        return self._clock_state()

    async def resume_clock(self) -> dict:
        self._virtual("resumed").resume()
        return self._clock_state()

    # ------------------------------------------------------------------ jobs
    def _job(self, job_id: str) -> dict:
        return self.state.jobs.describe(job_id)

    async def list_job_lifecycles(self, state: str | None = None, limit: int | None = None) -> dict:
        return {"items": [self._job(job_id) for job_id, _kind, _status in self.state.jobs.list(state, limit)]}

    async def get_job_lifecycle(self, job_id: str) -> dict:
        return self._job(job_id)

    async def set_job_schedule(self, job_id: str, body: models.JobScheduleChange) -> dict:
        current = self._job(job_id)["schedule"]
        changes = body.model_dump(include=body.model_fields_set)
        self.state.jobs.set_schedule(job_id, Schedule.from_dict({**current, **changes}))
        return self._job(job_id)

    async def advance_job(self, job_id: str) -> dict:
        self.state.jobs.step(job_id)
        return self._job(job_id)

    async def hold_job(self, job_id: str, body: models.JobHold) -> dict:
        self.state.jobs.hold(job_id, body.state)
        return self._job(job_id)

    async def release_job(self, job_id: str) -> dict:
        self.state.jobs.release(job_id)
        return self._job(job_id)

    async def finish_job(self, job_id: str, body: models.JobFinish) -> dict:
        self.state.jobs.finish(job_id, body.outcome, body.error)
        return self._job(job_id)

    # ------------------------------------------------------------------ workflow runs
    async def list_workflow_deployments(self) -> dict:
        served = self.state.workflows.deployments.values()
        return {"items": [{"deployment": d.name, "workflows": list(d.workflows), "source": d.source} for d in served]}

    async def list_workflow_runs(self, deployment: str | None = None, waiting: bool | None = None) -> dict:
        runs = self.state.workflows
        handlers = [h for (d, _), h in runs.handlers.items() if deployment is None or d == deployment]
        if waiting is not None:
            handlers = [h for h in handlers if (h.waiting is not None) == waiting]
        return {"items": [h.where() for h in handlers]}

    async def get_workflow_run(self, deployment: str, handler_id: str) -> dict:
        return _workflow_call(lambda: self.state.workflows.handler(deployment, handler_id)).where()

    async def answer_workflow_run(self, deployment: str, handler_id: str, body: models.WorkflowAnswer) -> dict:
        runs = self.state.workflows
        handler = _workflow_call(lambda: runs.handler(deployment, handler_id))
        _workflow_call(lambda: runs.answer(handler, body.type, body.value or {}))
        return handler.where()

    async def fail_workflow_run(self, deployment: str, handler_id: str, body: models.WorkflowFailure) -> dict:
        runs = self.state.workflows
        handler = _workflow_call(lambda: runs.handler(deployment, handler_id))
        _workflow_call(
            lambda: runs.fail(handler, body.error or "failed by llamacloud-mock (POST /_mock/workflows/.../fail)")
        )
        return handler.where()

    # ------------------------------------------------------------------ faults
    async def list_faults(self) -> dict:
        return {"items": [rule.to_dict() for rule in self.state.faults.rules]}

    async def create_fault(self, body: models.FaultRuleCreate) -> dict:
        known = self.state.operations().operation_ids
        return self.state.faults.add(body.model_dump(exclude_none=True), known).to_dict()

    async def clear_faults(self) -> dict:
        deleted = len(self.state.faults.rules)
        self.state.faults.clear()
        return {"deleted": deleted}

    async def get_fault(self, fault_id: str) -> dict:
        return self.state.faults.get(fault_id).to_dict()

    async def delete_fault(self, fault_id: str) -> dict:
        self.state.faults.remove(fault_id)
        return {"deleted": 1}

    # ------------------------------------------------------------------ journal
    def _journal_page(self, limit: int | None = None, **criteria: Any) -> dict:
        journal = self.state.journal
        find = self.state.operations().find
        matching = journal.find(find, **criteria)
        shown = matching[-limit:] if limit else matching
        return {
            "items": [entry.to_dict(find) for entry in shown],
            "total": len(matching),
            "received": journal.received,
            "size": journal.size,
        }

    async def list_requests(
        self,
        method: str | None = None,
        path: str | None = None,
        operation: str | None = None,
        status: int | None = None,
        body_contains: str | None = None,
        after: int | None = None,
        limit: int | None = None,
    ) -> dict:
        return self._journal_page(
            limit,
            method=method,
            path=path,
            operation=operation,
            status=status,
            body_contains=body_contains,
            after=after,
        )

    async def find_requests(self, body: models.JournalQuery) -> dict:
        criteria = body.model_dump(include=body.model_fields_set - {"limit"})
        return self._journal_page(body.limit, **criteria)

    async def clear_requests(self) -> dict:
        deleted = len(self.state.journal)
        self.state.journal.clear()
        return {"deleted": deleted}


def _workflow_call(call: Any) -> Any:
    """A workflow-run operation, its refusals as the admin API's errors (404, 409, 422)."""
    try:
        return call()
    except WorkflowError as e:
        if e.status == 404:
            raise NotFound("workflow handler", "", e.detail) from None
        if e.status == 409:
            raise Conflict(e.detail) from None
        raise InvalidField(("body", "value"), e.detail) from None
