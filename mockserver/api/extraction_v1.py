"""Wire adapter of the Extraction v1 and Files v1 APIs (openapi/extraction_v1.yaml).

Each method is named after its operationId; ``body`` has already been validated by the
generated model and ``project_id`` resolved from the query or the Project-Id header. Each takes
exactly its operation's parameters; ``organization_id`` and ``storage_type`` are accepted and
unused (one organization, one storage). Configs are passed on exactly as the client sent them
(``exclude_unset``), since every response echoes them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.datastructures import UploadFile
from starlette.responses import Response

from mockserver.domain.extraction import ExtractionStore
from mockserver.domain.files import FileStore
from mockserver.errors import RequestValidationError, error_item
from mockserver.routing import base_url

if TYPE_CHECKING:  # the models are imported on first use (see generated operations)
    from generated.extraction_v1 import models
    from mockserver.state import FakeState


def _config(config: models.ExtractConfig | None) -> dict | None:
    return config.model_dump(mode="json", exclude_unset=True) if config is not None else None


def _schema(value: models.DataSchemaInput | None) -> Any:
    return value.root if value is not None else None


def _webhooks(webhooks: list[models.WebhookConfiguration] | None) -> list | None:
    return [w.model_dump(mode="json", exclude_unset=True) for w in webhooks] if webhooks is not None else None


class ExtractionV1Api:
    def __init__(self, store: ExtractionStore, files: FileStore):
        self.store = store
        self.files = files

    # ------------------------------------------------------------------ agents
    async def list_extraction_agents(
        self, include_default: bool | None = None, project_id: str | None = None, organization_id: str | None = None
    ) -> list:
        return self.store.list_agents(project_id, include_default)

    async def create_extraction_agent(
        self, body: models.ExtractAgentCreate, project_id: str | None = None, organization_id: str | None = None
    ) -> dict:
        return self.store.create_agent(body.name, _schema(body.data_schema), _config(body.config), project_id)

    async def get_extraction_agent_by_name(
        self, name: str, project_id: str | None = None, organization_id: str | None = None
    ) -> dict:
        return self.store.get_agent_by_name(name, project_id)

    async def get_or_create_default_extraction_agent(
        self, project_id: str | None = None, organization_id: str | None = None
    ) -> dict:
        return self.store.default_agent(project_id)

    async def validate_extraction_schema(self, body: models.ExtractSchemaValidateRequest) -> dict:
        return self.store.validate_schema(_schema(body.data_schema))

    async def get_extraction_agent(self, extraction_agent_id: str, project_id: str | None = None) -> dict:
        return self.store.get_agent(extraction_agent_id, project_id)

    async def update_extraction_agent(
        self, extraction_agent_id: str, body: models.ExtractAgentUpdate, project_id: str | None = None
    ) -> dict:
        return self.store.update_agent(extraction_agent_id, _schema(body.data_schema), _config(body.config), project_id)

    async def delete_extraction_agent(self, extraction_agent_id: str, project_id: str | None = None) -> dict:
        self.store.delete_agent(extraction_agent_id, project_id)
        return {}

    # ------------------------------------------------------------------ jobs
    async def list_jobs(self, extraction_agent_id: str, project_id: str | None = None) -> list:
        return self.store.list_jobs(extraction_agent_id, project_id)

    async def run_job(
        self, body: models.ExtractJobCreate, from_ui: bool | None = None, project_id: str | None = None
    ) -> dict:
        return self.store.run_job(
            body.extraction_agent_id,
            body.file_id,
            config_override=_config(body.config_override),
            data_schema_override=_schema(body.data_schema_override),
            project_id=project_id,
            from_ui=bool(from_ui),
            priority=body.priority,
            webhook_configurations=_webhooks(body.webhook_configurations),
        )

    async def run_batch_jobs(
        self, body: models.ExtractJobCreateBatch, from_ui: bool | None = None, project_id: str | None = None
    ) -> list:
        return self.store.run_batch(
            body.extraction_agent_id,
            body.file_ids,
            config_override=_config(body.config_override),
            data_schema_override=_schema(body.data_schema_override),
            project_id=project_id,
            from_ui=bool(from_ui),
            webhook_configurations=_webhooks(body.webhook_configurations),
        )

    async def get_job(self, job_id: str, project_id: str | None = None) -> dict:
        return self.store.get_job(job_id, project_id)

    async def get_job_result(
        self, job_id: str, project_id: str | None = None, organization_id: str | None = None
    ) -> dict:
        return self.store.job_result(job_id, project_id)

    async def extract_stateless(
        self, body: models.ExtractStatelessRequest, project_id: str | None = None, organization_id: str | None = None
    ) -> dict:
        return self.store.extract_stateless(
            _config(body.config),
            _schema(body.data_schema),
            project_id,
            file=body.file.model_dump() if body.file is not None else None,
            file_id=body.file_id,
            text=body.text,
            webhook_configurations=_webhooks(body.webhook_configurations),
        )

    # ------------------------------------------------------------------ runs
    async def list_extract_runs(
        self, extraction_agent_id: str, skip: int = 0, limit: int = 100, project_id: str | None = None
    ) -> dict:
        return self.store.list_runs(extraction_agent_id, skip, limit, project_id)

    async def get_latest_run_from_ui(self, extraction_agent_id: str, project_id: str | None = None) -> Any:
        return self.store.latest_run_from_ui(extraction_agent_id, project_id)

    async def get_run_by_job_id(
        self, job_id: str, project_id: str | None = None, organization_id: str | None = None
    ) -> dict:
        return self.store.run_by_job(job_id, project_id)

    async def get_run(self, run_id: str, project_id: str | None = None, organization_id: str | None = None) -> dict:
        return self.store.get_run(run_id, project_id)

    async def delete_extraction_run(
        self, run_id: str, project_id: str | None = None, organization_id: str | None = None
    ) -> dict:
        self.store.delete_run(run_id, project_id)
        return {}

    # ------------------------------------------------------------------ files
    async def list_files(
        self,
        external_file_id: str | None = None,
        file_name: str | None = None,
        project_id: str | None = None,
        organization_id: str | None = None,
    ) -> list:
        return [self.files.public(r) for r in self.files.list(project_id, external_file_id, file_name)]

    async def upload_file(
        self,
        upload_file: Any = None,
        external_file_id: str | None = None,
        storage_type: str | None = None,
        project_id: str | None = None,
        organization_id: str | None = None,
    ) -> dict:
        if not isinstance(upload_file, UploadFile):
            raise RequestValidationError(
                [
                    error_item(
                        ("body", "upload_file"), f"Expected UploadFile, received: {type(upload_file)}", "value_error"
                    )
                ]
            )
        if upload_file.size is not None:
            self.files.check_size(upload_file.size)  # refuse before reading it all
        content = await upload_file.read()
        record = self.files.create(
            upload_file.filename,
            content,
            project_id,
            content_type=upload_file.content_type,
            external_file_id=external_file_id,
        )
        return self.files.public(record)

    async def get_file(self, file_id: str, project_id: str | None = None, organization_id: str | None = None) -> dict:
        return self.files.public(self.files.get(file_id, project_id))

    async def delete_file(
        self, file_id: str, project_id: str | None = None, organization_id: str | None = None
    ) -> Response:
        self.files.delete(file_id, project_id)
        return Response(status_code=204)

    async def read_file_content(
        self,
        file_id: str,
        expires_at_seconds: int | None = None,
        project_id: str | None = None,
        organization_id: str | None = None,
    ) -> dict:
        token, expires_at = self.files.presign(file_id, project_id, expires_at_seconds)
        return {"url": f"{base_url()}/files-content/{file_id}/{token}", "expires_at": expires_at, "form_fields": None}

    async def download_file_content(self, file_id: str, token: str) -> Response:
        record, content = self.files.open_signed(file_id, token)
        return Response(content, media_type=record["content_type"])


def adapter(state: FakeState) -> ExtractionV1Api:
    """This API's adapter over the fake's state (its row in mockserver/registry.py names it)."""
    return ExtractionV1Api(state.extraction, state.files)
