"""Wire adapter of the beta Files API (openapi/beta_files.yaml): ``/api/v1/beta/files``.

Multipart uploads reach ``upload_beta_file`` as connexion passes them: the form fields
(``purpose``, ``external_file_id``) in ``body``, the file part as the UploadFile ``file``.
Each method takes exactly its operation's parameters; ``organization_id`` is accepted and unused
(one organization).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.datastructures import UploadFile
from starlette.responses import Response

from mockserver.domain.beta_files import BetaFiles, view
from mockserver.domain.files import FileStore
from mockserver.errors import RequestValidationError, error_item
from mockserver.routing import base_url

if TYPE_CHECKING:  # the models are imported on first use (see generated operations)
    from generated.beta_files import models
    from mockserver.state import FakeState


class BetaFilesApi:
    def __init__(self, files: FileStore, beta: BetaFiles):
        self.files = files
        self.beta = beta

    def _download_url(self, file_id: str, project_id: str | None, expires_at_seconds: int | None = None) -> dict:
        token, expires_at = self.files.presign(file_id, project_id, expires_at_seconds)
        return {"url": f"{base_url()}/files-content/{file_id}/{token}", "expires_at": expires_at, "form_fields": None}

    def _view(self, record: dict, expand: list[str] | None) -> dict:
        url = self._download_url(record["id"], record["project_id"]) if expand and "download_url" in expand else None
        return view(record, url)

    async def upload_beta_file(
        self,
        body: dict | None = None,
        file: Any = None,
        project_id: str | None = None,
        organization_id: str | None = None,
    ) -> dict:
        form = body or {}
        if not isinstance(file, UploadFile):
            raise RequestValidationError(
                [error_item(("body", "file"), f"Expected UploadFile, received: {type(file)}", "value_error")]
            )
        if file.size is not None:
            self.files.check_size(file.size)  # refuse before reading it all
        content = await file.read()
        record = self.beta.upload(
            file.filename,
            content,
            form["purpose"],
            project_id,
            content_type=file.content_type,
            external_file_id=form.get("external_file_id") or None,
        )
        return view(record)

    async def list_beta_files(
        self,
        expand: list[str] | None = None,
        external_file_id: str | None = None,
        file_ids: list[str] | None = None,
        file_name: str | None = None,
        order_by: str | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
        project_id: str | None = None,
        organization_id: str | None = None,
    ) -> dict:
        records, next_token = self.beta.list(
            project_id, external_file_id, file_ids, file_name, order_by, page_size, page_token
        )
        return {"items": [self._view(r, expand) for r in records], "next_page_token": next_token}

    async def query_beta_files(
        self, body: models.FileQuery, project_id: str | None = None, organization_id: str | None = None
    ) -> dict:
        records, next_token = self.beta.query(
            project_id,
            body.filter.model_dump() if body.filter is not None else None,
            body.order_by,
            body.page_size,
            body.page_token,
        )
        return {"items": [view(r) for r in records], "next_page_token": next_token}

    async def get_beta_file(
        self,
        file_id: str,
        expand: list[str] | None = None,
        project_id: str | None = None,
        organization_id: str | None = None,
    ) -> dict:
        return self._view(self.files.get(file_id, project_id), expand)

    async def delete_beta_file(
        self, file_id: str, project_id: str | None = None, organization_id: str | None = None
    ) -> Response:
        self.files.delete(file_id, project_id)
        return Response(status_code=204)

    async def read_beta_file_content(
        self,
        file_id: str,
        expires_at_seconds: int | None = None,
        project_id: str | None = None,
        organization_id: str | None = None,
    ) -> dict:
        return self._download_url(file_id, project_id, expires_at_seconds)


def adapter(state: FakeState) -> BetaFilesApi:
    """This API's adapter over the fake's state (its row in mockserver/registry.py names it)."""
    return BetaFilesApi(state.files, state.beta_files)
