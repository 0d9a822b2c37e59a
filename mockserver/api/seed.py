"""Wire adapter of the published LlamaExtract spec (openapi/seed/, served by ``--profile seed``).

The seed spec describes an API that differs from the real one (wire-format.md section 7): agents
created with ``project_id`` in the body and 201, jobs over a list of ``file_ids`` with lowercase
statuses, a per-file result set, uploads in a multipart part named ``file``. This module speaks
that wire format over the same domain as every other API (mockserver/domain/: agents, files, the
job lifecycle engine), and over mockserver/domain/seed_extraction.py for what only this spec has
(an agent's description; a job over several files, and its status rule).

Statuses the seed spec does not declare are translated by the profile (mockserver/api/__init__.py):
a 422 answers 400 ("Bad request"), as does a 413. Names need not be unique and a data_schema may
be any JSON object (the spec types it so), so creating an agent never conflicts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.datastructures import UploadFile
from starlette.responses import Response

from mockserver.domain.clock import format_epoch
from mockserver.domain.extraction import DEFAULT_AGENT_CONFIG, ExtractionStore
from mockserver.domain.files import FileStore
from mockserver.domain.seed_extraction import SeedExtractions
from mockserver.domain.store import StoreContext
from mockserver.errors import RequestValidationError, error_item
from mockserver.routing import JsonResponse

if TYPE_CHECKING:  # the models are imported on first use (see generated operations)
    from generated.seed import models
    from mockserver.state import FakeState


def _reject_nulls(body: Any) -> None:
    """No field of the seed spec is nullable: an explicit null is as invalid as a wrong type."""
    nulls = [name for name in sorted(body.model_fields_set) if getattr(body, name) is None]
    if nulls:
        raise RequestValidationError(
            [error_item(("body", name), "Input should not be null", "value_error", input=None) for name in nulls]
        )


class SeedApi:
    def __init__(self, context: StoreContext, store: ExtractionStore, files: FileStore):
        self.store = store
        self.files = files
        self.seed = SeedExtractions(context, store)

    # ------------------------------------------------------------------ agents
    def _agent(self, agent: dict) -> dict:
        out = {key: agent[key] for key in ("id", "name", "project_id", "data_schema", "created_at", "updated_at")}
        description = self.seed.description(agent["id"])
        if description is not None:
            out["description"] = description
        return out

    async def listExtractionAgents(self, project_id: str | None = None) -> list:
        return [self._agent(a) for a in self.store.list_agents(project_id)]

    async def createExtractionAgent(self, body: models.CreateExtractionAgentRequest) -> Response:
        _reject_nulls(body)
        schema = body.data_schema if body.data_schema is not None else {}
        agent = self.store.create_agent(body.name, schema, dict(DEFAULT_AGENT_CONFIG), body.project_id)
        self.seed.set_description(agent["id"], body.description)
        return JsonResponse(self._agent(agent), status_code=201)

    async def getExtractionAgent(self, agentId: str, project_id: str | None = None) -> dict:
        return self._agent(self.store.get_agent(agentId, project_id))

    async def updateExtractionAgent(
        self, agentId: str, body: models.UpdateExtractionAgentRequest, project_id: str | None = None
    ) -> dict:
        _reject_nulls(body)
        agent = self.store.get_agent(agentId, project_id)
        schema = body.data_schema if body.data_schema is not None else agent["data_schema"]
        agent = self.store.update_agent(agentId, schema, agent["config"], name=body.name)
        self.seed.set_description(agentId, body.description)
        return self._agent(agent)

    async def deleteExtractionAgent(self, agentId: str, project_id: str | None = None) -> Response:
        self.store.delete_agent(agentId, project_id)
        self.seed.forget_agent(agentId)
        return Response(status_code=200)  # the spec declares no body

    # ------------------------------------------------------------------ jobs
    async def createExtractionJob(self, body: models.CreateExtractionJobRequest, project_id: str | None = None) -> dict:
        record = self.seed.create_job(body.extraction_agent_id, list(body.file_ids), project_id)
        return self._job_view(record, poll=False)

    def _job_view(self, record: dict, poll: bool) -> dict:
        status, ended = self.seed.status(record, self.seed.states(record, poll))
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

    async def getExtractionJob(self, jobId: str, project_id: str | None = None) -> dict:
        """A status poll: the read counts toward poll-based schedules of the files' jobs."""
        return self._job_view(self.seed.job(jobId, project_id), poll=True)

    async def getExtractionJobResult(self, jobId: str, project_id: str | None = None) -> dict:
        return {"job_id": jobId, "results": self.seed.result(jobId, project_id)}

    # ------------------------------------------------------------------ files
    async def uploadFile(self, file: Any = None, project_id: str | None = None) -> dict:
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


def adapter(state: FakeState) -> SeedApi:
    """This API's adapter over the fake's state (its row in mockserver/registry.py names it)."""
    return SeedApi(state.context, state.extraction, state.files)
