"""Wire adapter of the Extract v2 API (openapi/extract_v2.yaml).

Each method is named after its operationId; ``body`` has already been validated by the
generated model and ``project_id`` resolved from the query or the Project-Id header. The
configuration is passed on exactly as the client sent it (``exclude_unset``), since
``expand=configuration`` echoes it. Each takes exactly its operation's parameters;
``organization_id`` is accepted and unused (one organization).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mockserver.domain.extract_v2 import ExtractV2Store

if TYPE_CHECKING:  # the models are imported on first use (see generated operations)
    from generated.extract_v2 import models
    from mockserver.state import FakeState


def _dump(value: Any) -> Any:
    return value.model_dump(mode="json", exclude_unset=True) if value is not None else None


class ExtractV2Api:
    def __init__(self, store: ExtractV2Store):
        self.store = store

    async def _delivered(self, result: Any) -> Any:
        """``result``, once the webhooks a request revealed are sent when no background task does."""
        if self.store.webhooks is not None:
            await self.store.webhooks.deliver_unattended()
        return result

    async def create_extract_job(
        self, body: models.ExtractV2JobCreate, project_id: str | None = None, organization_id: str | None = None
    ) -> dict:
        job = self.store.create(
            body.file_input,
            _dump(body.configuration),
            configuration_id=body.configuration_id,
            webhook_configuration_ids=body.webhook_configuration_ids,
            webhook_configurations=[_dump(w) for w in body.webhook_configurations or []],
            project_id=project_id,
        )
        return await self._delivered(job)

    async def list_extract_jobs(
        self,
        configuration_id: str | None = None,
        created_at_on_or_after: str | None = None,
        created_at_on_or_before: str | None = None,
        document_input_type: str | None = None,
        document_input_value: str | None = None,
        expand: list[str] | None = None,
        file_input: str | None = None,
        job_ids: list[str] | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
        status: str | None = None,
        project_id: str | None = None,
        organization_id: str | None = None,
    ) -> dict:
        page = self.store.list(
            project_id,
            configuration_id=configuration_id,
            created_at_on_or_after=created_at_on_or_after,
            created_at_on_or_before=created_at_on_or_before,
            document_input_type=document_input_type,
            document_input_value=document_input_value,
            file_input=file_input,
            job_ids=job_ids,
            status=status,
            expand=expand,
            page_size=page_size,
            page_token=page_token,
        )
        return await self._delivered(page)

    async def get_extract_job(
        self,
        job_id: str,
        expand: list[str] | None = None,
        project_id: str | None = None,
        organization_id: str | None = None,
    ) -> dict:
        return await self._delivered(self.store.get(job_id, project_id, expand))

    async def cancel_extract_job(
        self, job_id: str, project_id: str | None = None, organization_id: str | None = None
    ) -> dict:
        return await self._delivered(self.store.cancel(job_id, project_id))

    async def delete_extract_job(
        self, job_id: str, force: bool = False, project_id: str | None = None, organization_id: str | None = None
    ) -> dict:
        self.store.delete(job_id, project_id, bool(force))
        return await self._delivered({})

    async def validate_extract_schema(self, body: models.ExtractV2SchemaValidateRequest) -> dict:
        return self.store.validate_schema(body.data_schema.model_dump(mode="json"))

    async def generate_extract_schema(
        self,
        body: models.ExtractV2SchemaGenerateRequest,
        project_id: str | None = None,
        organization_id: str | None = None,
    ) -> dict:
        return self.store.generate_schema(
            body.data_schema.model_dump(mode="json") if body.data_schema is not None else None,
            file_id=body.file_id,
            name=body.name,
            prompt=body.prompt,
            project_id=project_id,
        )


def adapter(state: FakeState) -> ExtractV2Api:
    """This API's adapter over the fake's state (its row in mockserver/registry.py names it)."""
    return ExtractV2Api(state.extract_v2)
