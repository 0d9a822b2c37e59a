"""Extraction v1: agents, jobs and runs, as llama-cloud 0.1.x and LlamaExtract use them. No HTTP here.

* Agents (TinyDB table ``extraction_agents``) hold a name unique in their project, a config
  echoed exactly as the client sent it and a data_schema (a checked JSON Schema). Each project
  has a default agent (``custom_configuration: "default"``, name ``_default``), created on first
  use, which stateless extractions run on and which agent listings show only on request.
* A job (``extraction_jobs``) runs one file through an agent, with optional config and schema
  overrides; its lifecycle is the shared JobEngine's (mockserver/domain/jobs.py). Each job has
  one run (``extraction_runs``) holding the extraction result, computed when the job is created
  (mockserver/domain/synthesis/: deterministic, schema-valid) and shown as the job finishes.
* Failures on demand: a file whose name or content contains ``llamacloud-mock:fail`` ends ERROR,
  one with ``llamacloud-mock:partial`` ends PARTIAL_SUCCESS without its optional top-level fields
  (``fail`` wins when both are present). Each carries an error message naming the marker.

Jobs, runs and agents are found by id alone (most v1 calls name no project); a project the
request does name must be the object's, else the object is invisible (404).

Two rules are the store's options, for APIs that do not have them (the seed spec's profile):
``unique_agent_names`` (a second agent of a name taken in the project is a Conflict) and
``typed_schemas`` (a data_schema's root must say it describes an object; without it a root that
names no type is read as an object schema).
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
from typing import Any

import orjson
from tinydb.table import Document

from mockserver.domain import synthesis
from mockserver.domain.clock import format_epoch
from mockserver.domain.errors import Conflict, InvalidField, NotFound
from mockserver.domain.files import FileStore
from mockserver.domain.jobs import (
    CANCELLED,
    FAILED,
    PARTIALLY_SUCCEEDED,
    QUEUED,
    RUNNING,
    SUCCEEDED,
    JobEngine,
    JobStatus,
    Schedule,
)
from mockserver.domain.schemas import parse_data_schema
from mockserver.domain.store import Store, StoreContext

JOB_KIND = "extract_v1"
DEFAULT_AGENT_NAME = "_default"
DEFAULT_AGENT_CONFIG = {"extraction_target": "PER_DOC", "extraction_mode": "BALANCED"}

FAIL_MARKER = "llamacloud-mock:fail"
PARTIAL_MARKER = "llamacloud-mock:partial"

# internal state -> wire status of an ExtractJob, and of an ExtractRun (which has no partial state)
JOB_STATUS = {
    QUEUED: "PENDING",
    RUNNING: "PENDING",
    SUCCEEDED: "SUCCESS",
    PARTIALLY_SUCCEEDED: "PARTIAL_SUCCESS",
    FAILED: "ERROR",
    CANCELLED: "CANCELLED",
}
RUN_STATUS = {
    QUEUED: "CREATED",
    RUNNING: "PENDING",
    SUCCEEDED: "SUCCESS",
    PARTIALLY_SUCCEEDED: "SUCCESS",
    FAILED: "ERROR",
    CANCELLED: "ERROR",
}


def optional_fields(schema: dict[str, Any]) -> list[str]:
    """The top-level properties a partial result leaves out: those not required."""
    required = set(schema.get("required") or [])
    return [name for name in (schema.get("properties") or {}) if name not in required]


def _carries(marker: str, name: str, content: bytes) -> bool:
    return marker in name.lower() or marker.encode() in content.lower()


def marker_outcome(name: str, content: bytes, schema: dict[str, Any]) -> tuple[str, str | None]:
    """The outcome a file asks for with a marker in its name or content, and its error message."""
    if _carries(FAIL_MARKER, name, content):
        return FAILED, (
            f"Extraction failed: the file {name!r} carries the marker '{FAIL_MARKER}', so llamacloud-mock "
            "fails its extraction on purpose."
        )
    if _carries(PARTIAL_MARKER, name, content):
        left_out = optional_fields(schema)
        fields = (
            f"these fields could not be extracted: {', '.join(left_out)}"
            if left_out
            else "every field is required, so none was left out"
        )
        return PARTIALLY_SUCCEEDED, (
            f"Partial extraction: the file {name!r} carries the marker '{PARTIAL_MARKER}'; {fields}."
        )
    return SUCCEEDED, None


def _without(value: Any, names: list[str]) -> Any:
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k not in names}
    if isinstance(value, list):
        return [_without(v, names) for v in value]
    return value


class ExtractionStore(Store):
    AGENTS, JOBS, RUNS = "extraction_agents", "extraction_jobs", "extraction_runs"

    def __init__(
        self,
        context: StoreContext,
        files: FileStore,
        engine: JobEngine,
        unique_agent_names: bool = True,
        typed_schemas: bool = True,
    ):
        self.agents_table = context.db.table(self.AGENTS)
        self.jobs_table = context.db.table(self.JOBS)
        self.runs_table = context.db.table(self.RUNS)
        self.clock = context.clock
        self.ids = context.ids
        self.default_project_id = context.default_project_id
        self.files = files
        self.engine = engine
        self.unique_agent_names = unique_agent_names
        self.typed_schemas = typed_schemas
        self._agents = self.agents_table.documents()
        self._jobs = self.jobs_table.documents()
        self._runs = self.runs_table.documents()

    def _project(self, project_id: str | None) -> str:
        return project_id or self.default_project_id

    def _schema(self, value: Any, loc: tuple) -> dict[str, Any]:
        return parse_data_schema(value, loc, self.typed_schemas)

    def _check_name_free(self, name: str, project: str) -> None:
        if self.unique_agent_names and self._agent_named(name, project) is not None:
            raise Conflict(
                f"An extraction agent named {name!r} already exists in project {project}: pick another name, "
                "or get it with GET /api/v1/extraction/extraction-agents/by-name/{name}."
            )

    # ------------------------------------------------------------------ agents
    def create_agent(
        self, name: str, data_schema: Any, config: dict, project_id: str | None, agent_id: str | None = None
    ) -> dict:
        """A new agent; ``agent_id`` (fixtures, lenient mode) instead of a generated id."""
        schema = self._schema(data_schema, ("body", "data_schema"))
        project = self._project(project_id)
        self._check_name_free(name, project)
        return self._insert_agent(name, schema, config, project, None, agent_id)

    def _insert_agent(
        self, name: str, schema: dict, config: dict, project: str, custom: str | None, agent_id: str | None = None
    ) -> dict:
        now = self.clock.now_iso()
        agent = {
            "id": agent_id or self.ids.uuid(),
            "name": name,
            "project_id": project,
            "config": config,
            "data_schema": schema,
            "custom_configuration": custom,
            "created_at": now,
            "updated_at": now,
        }
        self.agents_table.insert(Document(agent, doc_id=agent["id"]))
        return self._agents[agent["id"]]

    def _agent_named(self, name: str, project: str) -> dict | None:
        return next((a for a in self._agents.values() if a["project_id"] == project and a["name"] == name), None)

    def list_agents(self, project_id: str | None, include_default: bool | None = None) -> list[dict]:
        project = self._project(project_id)
        return [
            a
            for a in self._agents.values()
            if a["project_id"] == project and (include_default or a["custom_configuration"] != "default")
        ]

    def get_agent(self, agent_id: str, project_id: str | None = None) -> dict:
        agent = self._agents.get(agent_id)
        if agent is None or (project_id and agent["project_id"] != project_id):
            raise NotFound("Extraction agent", agent_id)
        return agent

    def get_agent_by_name(self, name: str, project_id: str | None) -> dict:
        agent = self._agent_named(name, self._project(project_id))
        if agent is None:
            raise NotFound("Extraction agent", name, f"Extraction agent with name {name!r} not found")
        return agent

    def default_agent(self, project_id: str | None) -> dict:
        project = self._project(project_id)
        existing = next(
            (a for a in self._agents.values() if a["project_id"] == project and a["custom_configuration"] == "default"),
            None,
        )
        return existing or self._insert_agent(DEFAULT_AGENT_NAME, {}, dict(DEFAULT_AGENT_CONFIG), project, "default")

    def update_agent(
        self, agent_id: str, data_schema: Any, config: dict, project_id: str | None = None, name: str | None = None
    ) -> dict:
        """Replace the agent's schema and config; ``name`` renames it (the v1 API cannot, the seed spec can)."""
        agent = self.get_agent(agent_id, project_id)
        schema = self._schema(data_schema, ("body", "data_schema"))
        changes = {"data_schema": schema, "config": config, "updated_at": self.clock.now_iso()}
        if name is not None and name != agent["name"]:
            self._check_name_free(name, agent["project_id"])
            changes["name"] = name
        self.agents_table.update(changes, doc_ids=[agent_id])
        return self._agents[agent_id]

    def delete_agent(self, agent_id: str, project_id: str | None = None) -> None:
        self.get_agent(agent_id, project_id)
        self.agents_table.remove(doc_ids=[agent_id])

    # ------------------------------------------------------------------ jobs
    def run_job(
        self,
        agent_id: str,
        file_id: str,
        config_override: dict | None = None,
        data_schema_override: Any = None,
        project_id: str | None = None,
        from_ui: bool = False,
        priority: str | None = None,
        webhook_configurations: list | None = None,
        schedule: Schedule | None = None,
        job_id: str | None = None,
        run_id: str | None = None,
    ) -> dict:
        """A new job (and its run); ``job_id``/``run_id`` (lenient mode) instead of generated ids."""
        agent = self.get_agent(agent_id, project_id)
        schema = (
            self._schema(data_schema_override, ("body", "data_schema_override"))
            if data_schema_override is not None
            else agent["data_schema"]
        )
        file = self.files.get(file_id, agent["project_id"])
        config = config_override if config_override is not None else agent["config"]
        return self._start(
            agent, file, config, schema, from_ui, priority, webhook_configurations, schedule, job_id, run_id
        )

    def run_batch(
        self,
        agent_id: str,
        file_ids: list[str],
        config_override: dict | None = None,
        data_schema_override: Any = None,
        project_id: str | None = None,
        from_ui: bool = False,
        webhook_configurations: list | None = None,
    ) -> list[dict]:
        agent = self.get_agent(agent_id, project_id)
        for file_id in file_ids:  # all or nothing: an unknown file creates no job
            self.files.get(file_id, agent["project_id"])
        return [
            self.run_job(
                agent_id,
                file_id,
                config_override,
                data_schema_override,
                project_id,
                from_ui,
                webhook_configurations=webhook_configurations,
            )
            for file_id in file_ids
        ]

    def extract_stateless(
        self,
        config: dict,
        data_schema: Any,
        project_id: str | None,
        file: dict | None = None,
        file_id: str | None = None,
        text: str | None = None,
        webhook_configurations: list | None = None,
    ) -> dict:
        """A job on the project's default agent, for a file given inline, by id or as text."""
        schema = self._schema(data_schema, ("body", "data_schema"))
        given = [name for name, value in (("file", file), ("file_id", file_id), ("text", text)) if value is not None]
        if len(given) != 1:
            raise InvalidField(
                ("body",),
                "Give exactly one of file (base64 data and mime_type), file_id or text"
                + (f", not {' and '.join(given)}" if given else ""),
            )
        project = self._project(project_id)
        if file is not None:
            try:
                content = base64.b64decode(file["data"], validate=True)
            except (binascii.Error, ValueError):
                raise InvalidField(("body", "file", "data"), "file.data is not valid base64") from None
            extension = mimetypes.guess_extension(file["mime_type"].split(";")[0].strip()) or ""
            record = self.files.create(
                f"upload{extension}", content, project, content_type=file["mime_type"], purpose="extract"
            )
        elif text is not None:
            record = self.files.create("text.txt", text.encode(), project, content_type="text/plain", purpose="extract")
        else:
            record = self.files.get(file_id, project_id)
        agent = self.default_agent(project)
        return self._start(agent, record, config, schema, False, None, webhook_configurations, None)

    def _start(
        self,
        agent: dict,
        file: dict,
        config: dict,
        schema: dict,
        from_ui: bool,
        priority: str | None,
        webhook_configurations: list | None,
        schedule: Schedule | None,
        job_id: str | None = None,
        run_id: str | None = None,
    ) -> dict:
        content = self.files.content(file["id"])
        result = synthesis.extract(content, schema, config.get("extraction_target"))
        outcome, error = marker_outcome(file["name"], content, schema)
        if schedule is None:
            schedule = self.engine.default_schedule.ending(outcome, error) if error else self.engine.default_schedule
        now = self.clock.now_iso()
        job_id, run_id = job_id or self.ids.uuid(), run_id or self.ids.uuid()
        job = {
            "id": job_id,
            "project_id": agent["project_id"],
            "extraction_agent_id": agent["id"],
            "agent_snapshot": agent,
            "file_id": file["id"],
            "run_id": run_id,
            "config": config,
            "data_schema": schema,
            "priority": priority,
            "webhook_configurations": webhook_configurations,
            "created_at": now,
        }
        run = {
            "id": run_id,
            "job_id": job_id,
            "extraction_agent_id": agent["id"],
            "project_id": agent["project_id"],
            "config": config,
            "data_schema": schema,
            "from_ui": bool(from_ui),
            "file_id": file["id"],
            "result": {"data": result.data, "field_metadata": result.field_metadata},
            "usage": {
                "num_pages_extracted": result.pages,
                "num_document_tokens": max(1, len(content) // 4),
                "num_output_tokens": max(1, len(orjson.dumps(result.data)) // 4),
            },
            "created_at": now,
        }
        self.jobs_table.insert(Document(job, doc_id=job_id))
        self.runs_table.insert(Document(run, doc_id=run_id))
        self.engine.start(job_id, JOB_KIND, schedule)
        return self.job_view(job_id)

    def _job(self, job_id: str, project_id: str | None = None) -> dict:
        job = self._jobs.get(job_id)
        if job is None or (project_id and job["project_id"] != project_id):
            raise NotFound("Extraction job", job_id)
        return job

    def get_job(self, job_id: str, project_id: str | None = None) -> dict:
        """The job as a status poll sees it: the read counts toward poll-based schedules."""
        self._job(job_id, project_id)
        return self.job_view(job_id, poll=True)

    def list_jobs(self, agent_id: str, project_id: str | None = None) -> list[dict]:
        self.get_agent(agent_id, project_id)
        return [self.job_view(j["id"]) for j in self._jobs.values() if j["extraction_agent_id"] == agent_id]

    def job_view(self, job_id: str, poll: bool = False) -> dict:
        job = self._jobs[job_id]
        status = self.engine.read(job_id, poll=poll)
        file = self.files.find(job["file_id"])
        return {
            "id": job_id,
            "status": JOB_STATUS[status.state],
            "error": status.error,
            "extraction_agent": self._agents.get(job["extraction_agent_id"]) or job["agent_snapshot"],
            "file_id": job["file_id"],
            "file": self.files.public(file) if file else None,
        }

    def job_result(self, job_id: str, project_id: str | None = None) -> dict:
        job = self._job(job_id, project_id)
        status = self.engine.read(job_id)
        run = self._runs.get(job["run_id"])
        if not status.terminal or run is None:
            reason = "its run was deleted" if run is None else f"it is {JOB_STATUS[status.state]}"
            raise NotFound("Extraction job", job_id, f"Extraction job {job_id!r} has no result: {reason}")
        view = self._run_view(run, status)
        return {
            "run_id": run["id"],
            "extraction_agent_id": run["extraction_agent_id"],
            "data": view["data"],
            "extraction_metadata": view["extraction_metadata"],
        }

    # ------------------------------------------------------------------ runs
    def run_by_job(self, job_id: str, project_id: str | None = None) -> dict:
        job = self._job(job_id, project_id)
        run = self._runs.get(job["run_id"])
        if run is None:
            raise NotFound("Extraction run", job_id, f"No extraction run for job {job_id!r}: it was deleted")
        return self._run_view(run, self.engine.read(job_id))

    def get_run(self, run_id: str, project_id: str | None = None) -> dict:
        run = self._run(run_id, project_id)
        return self._run_view(run, self.engine.read(run["job_id"]))

    def _run(self, run_id: str, project_id: str | None) -> dict:
        run = self._runs.get(run_id)
        if run is None or (project_id and run["project_id"] != project_id):
            raise NotFound("Extraction run", run_id)
        return run

    def list_runs(self, agent_id: str, skip: int = 0, limit: int = 100, project_id: str | None = None) -> dict:
        """An agent's runs, newest first, as ``{items, total, skip, limit}``."""
        self.get_agent(agent_id, project_id)
        runs = [r for r in self._runs.values() if r["extraction_agent_id"] == agent_id]
        runs.reverse()  # insertion order is creation order
        page = runs[skip : skip + limit]
        return {
            "items": [self._run_view(r, self.engine.read(r["job_id"])) for r in page],
            "total": len(runs),
            "skip": skip,
            "limit": limit,
        }

    def latest_run_from_ui(self, agent_id: str, project_id: str | None = None) -> dict | None:
        """The agent's newest run created with from_ui=true, or None."""
        self.get_agent(agent_id, project_id)
        runs = [r for r in self._runs.values() if r["extraction_agent_id"] == agent_id and r["from_ui"]]
        return self._run_view(runs[-1], self.engine.read(runs[-1]["job_id"])) if runs else None

    def delete_run(self, run_id: str, project_id: str | None = None) -> None:
        self._run(run_id, project_id)
        self.runs_table.remove(doc_ids=[run_id])

    def _run_view(self, run: dict, status: JobStatus) -> dict:
        state = status.state
        data = field_metadata = None
        if state == SUCCEEDED:
            data, field_metadata = run["result"]["data"], run["result"]["field_metadata"]
        elif state == PARTIALLY_SUCCEEDED:
            left_out = optional_fields(run["data_schema"])
            data = _without(run["result"]["data"], left_out)
            field_metadata = _without(run["result"]["field_metadata"], left_out)
            if isinstance(field_metadata, dict) and isinstance(data, dict):
                field_metadata = {**field_metadata, "error": status.error}
        metadata = {"field_metadata": field_metadata, "usage": run["usage"]} if field_metadata is not None else {}
        file = self.files.find(run["file_id"])
        return {
            "id": run["id"],
            "job_id": run["job_id"],
            "extraction_agent_id": run["extraction_agent_id"],
            "project_id": run["project_id"],
            "config": run["config"],
            "data_schema": run["data_schema"],
            "from_ui": run["from_ui"],
            "status": RUN_STATUS[state],
            "data": data,
            "extraction_metadata": metadata,
            "error": status.error,
            "file_id": run["file_id"],
            "file": self.files.public(file) if file else None,
            "created_at": run["created_at"],
            "updated_at": format_epoch(status.since),
        }

    def validate_schema(self, data_schema: Any) -> dict:
        return {"data_schema": self._schema(data_schema, ("body", "data_schema"))}
