"""What the published LlamaExtract spec (``--profile seed``) has and the domain otherwise lacks. No HTTP.

* an agent's ``description`` (table ``seed_agent_fields``, by agent id);
* a seed job, which groups one domain job per file (table ``seed_extraction_jobs``). Its status
  is computed from theirs when read:

  | domain jobs (one per file)                  | seed status  |
  |---------------------------------------------|--------------|
  | all queued                                  | `pending`    |
  | some running, or some finished and some not | `processing` |
  | all finished, at least one succeeded        | `completed`  |
  | all finished, none succeeded                | `failed`     |

  A job is accepted as long as it names files: a file that does not exist (in the agent's project)
  is a per-file error, an agent that does not exist fails the whole job. It ends when the last
  file finished; its result is there once it is completed or failed, one entry per file.

The wire format (names, timestamps, statuses) is mockserver/api/seed.py's.
"""

from __future__ import annotations

from typing import Any

from tinydb.table import Document

from mockserver.domain.errors import NotFound
from mockserver.domain.extraction import ExtractionStore
from mockserver.domain.jobs import ACTIVE, PARTIALLY_SUCCEEDED, QUEUED, SUCCEEDED
from mockserver.domain.store import StoreContext

PENDING, PROCESSING, COMPLETED, FAILED = "pending", "processing", "completed", "failed"


class SeedExtractions:
    JOBS = "seed_extraction_jobs"
    AGENT_FIELDS = "seed_agent_fields"

    def __init__(self, context: StoreContext, store: ExtractionStore):
        self.clock = context.clock
        self.ids = context.ids
        self.store = store
        self.jobs_table = context.db.table(self.JOBS)
        self.fields_table = context.db.table(self.AGENT_FIELDS)
        self._jobs = self.jobs_table.documents()
        self._fields = self.fields_table.documents()

    # ------------------------------------------------------------------ agents' descriptions
    def description(self, agent_id: str) -> str | None:
        fields = self._fields.get(agent_id)
        return fields.get("description") if fields is not None else None

    def set_description(self, agent_id: str, description: str | None) -> None:
        if description is None:
            return
        if agent_id in self._fields:
            self.fields_table.update({"description": description}, doc_ids=[agent_id])
        else:
            self.fields_table.insert(Document({"id": agent_id, "description": description}, doc_id=agent_id))

    def forget_agent(self, agent_id: str) -> None:
        if agent_id in self._fields:
            self.fields_table.remove(doc_ids=[agent_id])

    # ------------------------------------------------------------------ jobs
    def create_job(self, agent_id: str, file_ids: list[str], project_id: str | None) -> dict:
        created_at = self.clock.time()
        job_ids: list[str | None] = []
        errors: list[str | None] = []
        agent_error = None
        agent = None
        try:
            agent = self.store.get_agent(agent_id, project_id)
        except NotFound:
            agent_error = f"Extraction agent {agent_id!r} not found"
        for file_id in file_ids:
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
            "extraction_agent_id": agent_id,
            "file_ids": list(file_ids),
            "job_ids": job_ids,
            "errors": errors,
            "agent_error": agent_error,
            "created_at": created_at,
            # the agent's project (or the one the request named): the job is invisible from others
            "project_id": agent["project_id"] if agent is not None else project_id,
        }
        self.jobs_table.insert(Document(record, doc_id=record["id"]))
        return self._jobs[record["id"]]

    def job(self, job_id: str, project_id: str | None) -> dict:
        record = self._jobs.get(job_id)
        if record is None or (project_id and record.get("project_id") not in (None, project_id)):
            raise NotFound("Extraction job", job_id)
        return record

    def states(self, record: dict, poll: bool) -> list:
        """The JobStatus of each file's domain job (None for a file that got none)."""
        return [self.store.engine.read(j, poll=poll) if j is not None else None for j in record["job_ids"]]

    @staticmethod
    def status(record: dict, states: list) -> tuple[str, float | None]:
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

    def result(self, job_id: str, project_id: str | None) -> list[dict]:
        """Each file's result, once the job is completed or failed (NotFound before)."""
        record = self.job(job_id, project_id)
        states = self.states(record, poll=False)
        status, _ = self.status(record, states)
        if status not in (COMPLETED, FAILED):
            raise NotFound("Extraction job", job_id, f"Extraction job {job_id!r} has no result yet: it is {status}")
        return [
            self._file_result(file_id, domain_job, error, state)
            for file_id, domain_job, error, state in zip(
                record["file_ids"], record["job_ids"], record["errors"], states
            )
        ]

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
