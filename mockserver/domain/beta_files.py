"""Files as ``/api/v1/beta/files`` shows them (llama-cloud 2.x). No HTTP here.

The same records as the v1 Files API (mockserver/domain/files.py): a file uploaded through either
API is readable, listable and deletable through both. Files uploaded here get ids of the form
``dfl-<uuid>`` (the form the 2.x SDKs document) and a ``purpose``. Their wire shape is the
``FileV2`` of the SDKs (``view``).

Listings (``GET``, and the deprecated ``POST .../query``) are by project, in cursor pages
(mockserver/domain/cursor.py): ``GET`` orders by ``name`` (ascending), ``id`` (ascending) or
``created_at`` (descending, the default: files created at the same instant newest first too);
``query`` takes ``order_by`` like ``"name desc, created_at"`` over name, id, created_at,
updated_at, file_size and external_file_id. Other ties are broken by id.
"""

from __future__ import annotations

from typing import Any

from mockserver.domain import cursor
from mockserver.domain.errors import InvalidField
from mockserver.domain.files import FileStore
from mockserver.domain.store import Store, StoreContext

FILE_ID_PREFIX = "dfl-"
VIEW_FIELDS = ("id", "name", "project_id", "external_file_id", "file_type", "purpose", "expires_at", "last_modified_at")
LIST_ORDERS = {
    "name": cursor.Order("name", (("name", False), ("id", False))),
    "id": cursor.Order("id", (("id", False),)),
    "created_at": cursor.Order("created_at", (("created_at", True), ("seq", True), ("id", True))),
}
DEFAULT_ORDER = "created_at"
QUERY_SORT_FIELDS = ("name", "id", "created_at", "updated_at", "file_size", "external_file_id")


def view(record: dict[str, Any], download_url: dict | None = None) -> dict[str, Any]:
    shown = {name: record.get(name) for name in VIEW_FIELDS}
    if download_url is not None:
        shown["download_url"] = download_url
    return shown


def parse_order_by(text: str | None) -> cursor.Order:
    """The order of ``"name desc, created_at"`` (fields ascending unless ``desc``), ties by id."""
    if text is None or not text.strip():
        return LIST_ORDERS[DEFAULT_ORDER]
    fields: list[tuple[str, bool]] = []
    for term in text.split(","):
        words = term.split()
        if (
            not words
            or len(words) > 2
            or words[0] not in QUERY_SORT_FIELDS
            or (len(words) == 2 and words[1].lower() not in ("asc", "desc"))
        ):
            raise InvalidField(
                ("body", "order_by"),
                f"Cannot order by {term.strip()!r}: use comma-separated fields among "
                f"{', '.join(QUERY_SORT_FIELDS)}, each optionally followed by asc or desc",
            )
        fields.append((words[0], len(words) == 2 and words[1].lower() == "desc"))
    if all(name != "id" for name, _ in fields):
        fields.append(("id", False))
    return cursor.Order(",".join(f"{name}:{'desc' if d else 'asc'}" for name, d in fields), tuple(fields))


class BetaFiles(Store):
    """The 2.x SDKs' files API over the one file store: nothing of its own to reset."""

    def __init__(self, context: StoreContext, files: FileStore):
        self.files = files
        self.ids = context.ids

    def upload(
        self,
        name: str | None,
        content: bytes,
        purpose: str,
        project_id: str | None,
        content_type: str | None = None,
        external_file_id: str | None = None,
    ) -> dict[str, Any]:
        return self.files.create(
            name,
            content,
            project_id,
            content_type=content_type,
            external_file_id=external_file_id,
            purpose=purpose,
            file_id=FILE_ID_PREFIX + self.ids.uuid(),
        )

    def _page(
        self, records: list[dict], order: cursor.Order, page_size: int | None, page_token: str | None, loc: tuple
    ) -> tuple[list[dict], str | None]:
        def key(record: dict) -> tuple:
            return tuple(record.get(name) for name, _ in order.fields)

        return cursor.paginate(records, order, key, page_size, page_token, loc)

    def list(
        self,
        project_id: str | None,
        external_file_id: str | None = None,
        file_ids: list[str] | None = None,
        file_name: str | None = None,
        order_by: str | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> tuple[list[dict], str | None]:
        records = self.files.list(project_id, external_file_id, file_name)
        if file_ids:
            wanted = set(file_ids)
            records = [r for r in records if r["id"] in wanted]
        order = LIST_ORDERS[order_by or DEFAULT_ORDER]
        return self._page(records, order, page_size, page_token, ("query", "page_token"))

    def query(
        self,
        project_id: str | None,
        filter_: dict[str, Any] | None = None,
        order_by: str | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> tuple[list[dict], str | None]:
        """The deprecated POST query: the same files, a filter object, a free order_by."""
        filter_ = {k: v for k, v in (filter_ or {}).items() if v is not None}
        order = parse_order_by(order_by)
        project = project_id or self.files.default_project_id
        if filter_.get("project_id", project) != project:
            return [], None  # a filter naming another project than the request's matches nothing
        records = self.files.list(project, filter_.get("external_file_id"), filter_.get("file_name"))
        if "file_ids" in filter_:
            wanted = set(filter_["file_ids"])
            records = [r for r in records if r["id"] in wanted]
        if "data_source_id" in filter_:
            records = [r for r in records if r.get("data_source_id") == filter_["data_source_id"]]
        if filter_.get("only_manually_uploaded"):
            records = [r for r in records if r.get("data_source_id") is None]
        return self._page(records, order, page_size, page_token, ("body", "page_token"))
