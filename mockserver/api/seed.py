"""Wire adapter of the published LlamaExtract spec (openapi/seed/, served by ``--profile seed``).

The seed spec describes an API that differs from the real one (wire-format.md section 7): agents
created with ``project_id`` in the body and 201, jobs over a list of ``file_ids`` with lowercase
statuses, a per-file result set, uploads in a multipart part named ``file``. This module speaks
that wire format over the same domain as every other API (mockserver/domain/: agents, files, the
job lifecycle engine); it keeps only what the domain has no notion of:

* an agent's ``description`` (table ``seed_agent_fields``, by agent id);
* a seed job, which groups one domain job per file (table ``seed_extraction_jobs``). Its status
  is computed from theirs when read:

  | domain jobs (one per file)                  | seed status  |
  |---------------------------------------------|--------------|
  | all queued                                  | `pending`    |
  | some running, or some finished and some not | `processing` |
  | all finished, at least one succeeded        | `completed`  |
  | all finished, none succeeded                | `failed`     |

  A job is accepted as long as its body is well formed, as the spec declares no 404 for job
  creation: a file that does not exist (in the agent's project) is a per-file ``error`` in the
  result, an agent that does not exist fails the whole job. ``completed_at`` is when the last
  file finished. The result (``GET /extraction/jobs/{jobId}/result``) is served once the job is
  completed or failed (404 before), one entry per file.

Statuses the seed spec does not declare are translated by the profile (mockserver/api/__init__.py):
a 422 answers 400 ("Bad request"), as does a 413. Names need not be unique and a data_schema may
be any JSON object (the spec types it so), so creating an agent never conflicts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.datastructures import UploadFile
from starlette.responses import Response
from tinydb.table import Document

from mockserver.domain.clock import Clock, format_epoch
from mockserver.domain.errors import NotFound
from mockserver.domain.extraction import DEFAULT_AGENT_CONFIG, ExtractionStore
from mockserver.domain.files import FileStore
from mockserver.domain.ids import IdFactory
from mockserver.domain.jobs import ACTIVE, PARTIALLY_SUCCEEDED, QUEUED, SUCCEEDED
from mockserver.errors import RequestValidationError, error_item
from mockserver.routing import JsonResponse
from mockserver.storage import Database

if TYPE_CHECKING:  # the models are imported on first use (see generated operations)
    from generated.seed import models

# statuses the seed spec does not declare -> the one it declares for the same meaning
ERROR_STATUSES = {422: 400, 413: 400, 409: 400}

PENDING, PROCESSING, COMPLETED, FAILED = "pending", "processing", "completed", "failed"


def _reject_nulls(body: Any) -> None:
    """No field of the seed spec is nullable: an explicit null is as invalid as a wrong type."""
    nulls = [name for name in sorted(body.model_fields_set) if getattr(body, name) is None]
    if nulls:
        raise RequestValidationError(
            [error_item(("body", name), "Input should not be null", "value_error", input=None) for name in nulls]
        )


class SeedApi:
    JOBS = "seed_extraction_jobs"
    AGENT_FIELDS = "seed_agent_fields"

    def __init__(self, db: Database, clock: Clock, ids: IdFactory, store: ExtractionStore, files: FileStore):
        self.clock = clock
        self.ids = ids
        self.store = store
        self.files = files
        self.jobs_table = db.table(self.JOBS)
        self.fields_table = db.table(self.AGENT_FIELDS)
        self._jobs = self.jobs_table.documents()
        self._fields = self.fields_table.documents()

    # ------------------------------------------------------------------ agents
    def _agent(self, agent: dict) -> dict:
        out = {key: agent[key] for key in ("id", "name", "project_id", "data_schema", "created_at", "updated_at")}
        fields = self._fields.get(agent["id"])
        if fields is not None and fields.get("description") is not None:
            out["description"] = fields["description"]
        return out

    def _set_description(self, agent_id: str, description: str | None) -> None:
        if description is None:
            return
        if agent_id in self._fields:
            self.fields_table.update({"description": description}, doc_ids=[agent_id])
        else:
            self.fields_table.insert(Document({"id": agent_id, "description": description}, doc_id=agent_id))

    async def listExtractionAgents(self, project_id: str | None = None, **_: Any) -> list:
        return [self._agent(a) for a in self.store.list_agents(project_id)]

    async def createExtractionAgent(self, body: models.CreateExtractionAgentRequest, **_: Any) -> Response:
        _reject_nulls(body)
        schema = body.data_schema if body.data_schema is not None else {}
        agent = self.store.create_agent(body.name, schema, dict(DEFAULT_AGENT_CONFIG), body.project_id)
        self._set_description(agent["id"], body.description)
        return JsonResponse(self._agent(agent), status_code=201)

    async def getExtractionAgent(self, agentId: str, project_id: str | None = None, **_: Any) -> dict:
        return self._agent(self.store.get_agent(agentId, project_id))

    async def updateExtractionAgent(
        self, agentId: str, body: models.UpdateExtractionAgentRequest, project_id: str | None = None, **_: Any
    ) -> dict:
        _reject_nulls(body)
        agent = self.store.get_agent(agentId, project_id)
        schema = body.data_schema if body.data_schema is not None else agent["data_schema"]
        agent = self.store.update_agent(agentId, schema, agent["config"], name=body.name)
        self._set_description(agentId, body.description)
        return self._agent(agent)

    async def deleteExtractionAgent(self, agentId: str, project_id: str | None = None, **_: Any) -> Response:
        self.store.delete_agent(agentId, project_id)
        if agentId in self._fields:
            self.fields_table.remove(doc_ids=[agentId])
        return Response(status_code=200)  # the spec declares no body

    # ------------------------------------------------------------------ jobs
    async def createExtractionJob(
        self, body: models.CreateExtractionJobRequest, project_id: str | None = None, **_: Any
    ) -> dict:
        created_at = self.clock.time()
        job_ids: list[str | None] = []
        errors: list[str | None] = []
        agent_error = None
        agent = None
        try:
            agent = self.store.get_agent(body.extraction_agent_id, project_id)
        except NotFound:
            agent_error = f"Extraction agent {body.extraction_agent_id!r} not found"
        for file_id in body.file_ids:
            if agent_error is not None:
                job_ids.append(None)
                errors.append(agent_error)
                continue
            try:
                job = self.store.run_job(agent["id"], file_id)
            except NotFound:
                job_ids.append(None)
                errors.append(f"File {file_id!r} not found in project {agent['project_id']}")
            else:
                job_ids.append(job["id"])
                errors.append(None)
        record = {
            "id": self.ids.uuid(),
            "extraction_agent_id": body.extraction_agent_id,
            "file_ids": list(body.file_ids),
            "job_ids": job_ids,
            "errors": errors,
            "agent_error": agent_error,
            "created_at": created_at,
            # the agent's project (or the one the request named): the job is invisible from others
            "project_id": agent["project_id"] if agent is not None else project_id,
        }
        self.jobs_table.insert(Document(record, doc_id=record["id"]))
        return self._job_view(self._jobs[record["id"]], poll=False)

    def _job(self, job_id: str, project_id: str | None) -> dict:
        record = self._jobs.get(job_id)
        if record is None or (project_id and record.get("project_id") not in (None, project_id)):
            raise NotFound("Extraction job", job_id)
        return record

    def _states(self, record: dict, poll: bool) -> list:
        """The JobStatus of each file's domain job (None for a file that got none)."""
        return [self.store.engine.read(j, poll=poll) if j is not None else None for j in record["job_ids"]]

    @staticmethod
    def _status(record: dict, states: list) -> tuple[str, float | None]:
        """The seed status and, once finished, when."""
        live = [s for s in states if s is not None]
        if any(s.state in ACTIVE for s in live):
            all_queued = all(s.state == QUEUED for s in live) and len(live) == len(states)
            return (PENDING if all_queued else PROCESSING), None
        ended = max([record["created_at"], *(s.ended_at for s in live)])
        if record["agent_error"] is not None or (
            states and not any(s is not None and s.state in (SUCCEEDED, PARTIALLY_SUCCEEDED) for s in states)
        ):
            return FAILED, ended
        return COMPLETED, ended

    def _job_view(self, record: dict, poll: bool) -> dict:
        status, ended = self._status(record, self._states(record, poll))
        view = {
            "id": record["id"],
            "extraction_agent_id": record["extraction_agent_id"],
            "status": status,
            "file_ids": record["file_ids"],
            "created_at": format_epoch(record["created_at"]),
        }
        if ended is not None:
            view["completed_at"] = format_epoch(ended)
        return view

    async def getExtractionJob(self, jobId: str, project_id: str | None = None, **_: Any) -> dict:
        """A status poll: the read counts toward poll-based schedules of the files' jobs."""
        return self._job_view(self._job(jobId, project_id), poll=True)

    async def getExtractionJobResult(self, jobId: str, project_id: str | None = None, **_: Any) -> dict:
        record = self._job(jobId, project_id)
        states = self._states(record, poll=False)
        status, _ = self._status(record, states)
        if status not in (COMPLETED, FAILED):
            raise NotFound("Extraction job", jobId, f"Extraction job {jobId!r} has no result yet: it is {status}")
        return {
            "job_id": jobId,
            "results": [
                self._file_result(file_id, job_id, error, state)
                for file_id, job_id, error, state in zip(
                    record["file_ids"], record["job_ids"], record["errors"], states
                )
            ],
        }

    def _file_result(self, file_id: str, job_id: str | None, error: str | None, state: Any) -> dict:
        result: dict[str, Any] = {"file_id": file_id}
        if job_id is None:
            return {**result, "status": "error", "error": error}
        try:
            run = self.store.run_by_job(job_id)
        except NotFound as e:
            return {**result, "status": "error", "error": str(e)}
        if run["file"] is not None:
            result["file_name"] = run["file"]["name"]
        succeeded = state.state in (SUCCEEDED, PARTIALLY_SUCCEEDED)
        result["status"] = "success" if succeeded else "error"
        if succeeded and isinstance(run["data"], dict):
            result["data"] = run["data"]
        if run["error"] is not None:
            result["error"] = run["error"]
        return result

    # ------------------------------------------------------------------ files
    async def uploadFile(self, file: Any = None, project_id: str | None = None, **_: Any) -> dict:
        if not isinstance(file, UploadFile):
            raise RequestValidationError(
                [error_item(("body", "file"), f"Expected UploadFile, received: {type(file)}", "value_error")]
            )
        if file.size is not None:
            self.files.check_size(file.size)  # refuse before reading it all
        record = self.files.create(file.filename, await file.read(), project_id, content_type=file.content_type)
        return {
            "id": record["id"],
            "name": record["name"],
            "project_id": record["project_id"],
            "file_size": record["file_size"],
            "content_type": record["content_type"],
            "created_at": record["created_at"],
        }
