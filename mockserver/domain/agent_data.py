"""Agent Data: JSON records scoped by (project, deployment_name, collection). No HTTP here.

Records are stored in the TinyDB table ``agent_data`` under their own id, shaped as the API
returns them. An in-memory index by scope keeps a search from scanning other collections.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from tinydb.table import Document

from mockserver.domain import query
from mockserver.domain.clock import Clock
from mockserver.domain.errors import NotFound
from mockserver.domain.ids import IdFactory
from mockserver.storage import Database

DEFAULT_COLLECTION = "default"
Scope = tuple[str, str, str]  # (project_id, deployment_name, collection)

GROUP_SORT_HINT = "sort groups by count or by data.<path> for a path of group_by"


def _scope(record: Mapping[str, Any]) -> Scope:
    return (record["project_id"], record["deployment_name"], record["collection"])


class AgentDataStore:
    TABLE = "agent_data"

    def __init__(self, db: Database, clock: Clock, ids: IdFactory, default_project_id: str):
        self.table = db.table(self.TABLE)
        self.clock = clock
        self.ids = ids
        self.default_project_id = default_project_id
        self._records = self.table.documents()
        self._by_scope: dict[Scope, dict[str, None]] = {}  # insertion-ordered id sets
        for record_id, record in self._records.items():
            self._by_scope.setdefault(_scope(record), {})[record_id] = None

    # ------------------------------------------------------------------ CRUD
    def create(self, data: dict, deployment_name: str, collection: str | None, project_id: str | None) -> dict:
        now = self.clock.now_iso()
        record = {
            "id": self.ids.uuid(),
            "project_id": project_id or self.default_project_id,
            "deployment_name": deployment_name,
            "collection": collection or DEFAULT_COLLECTION,
            "data": data,
            "created_at": now,
            "updated_at": now,
        }
        self.table.insert(Document(record, doc_id=record["id"]))
        self._by_scope.setdefault(_scope(record), {})[record["id"]] = None
        return self._records[record["id"]]

    def get(self, item_id: str, project_id: str | None) -> dict:
        """The record; a project named by the request must be the record's (else it is invisible)."""
        record = self._records.get(item_id)
        if record is None or (project_id and record["project_id"] != project_id):
            raise NotFound("Agent data", item_id)
        return record

    def update(self, item_id: str, data: dict, project_id: str | None) -> dict:
        self.get(item_id, project_id)
        updated_at = self.clock.now_iso()
        self.table.update({"data": data, "updated_at": updated_at}, doc_ids=[item_id])
        return self._records[item_id]

    def delete(self, item_id: str, project_id: str | None) -> None:
        record = self.get(item_id, project_id)
        self.table.remove(doc_ids=[item_id])
        self._by_scope[_scope(record)].pop(item_id, None)

    # ------------------------------------------------------------------ queries
    def _matching(self, scope: Scope, filter_: Mapping | None) -> list[dict]:
        predicate = query.compile_filter(filter_)  # raises InvalidField before anything is read
        records = self._records
        ids = self._by_scope.get(scope, {})
        return query.select((records[i] for i in ids), predicate)

    def scope(self, deployment_name: str, collection: str | None, project_id: str | None) -> Scope:
        return (project_id or self.default_project_id, deployment_name, collection or DEFAULT_COLLECTION)

    def search(
        self,
        scope: Scope,
        filter_: Mapping | None = None,
        order_by: str | None = None,
        offset: int | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
        include_total: bool | None = None,
    ) -> dict[str, Any]:
        terms = query.parse_order_by(
            order_by, default="created_at desc", resolve=query.record_field, hint=query.RECORD_SORT_HINT
        )
        page = query.page_request(offset, page_size, page_token)
        matched = self._matching(scope, filter_)
        query.sort_records(matched, terms, id_of=_record_id)
        return query.paginate(matched, page, include_total)

    def aggregate(
        self,
        scope: Scope,
        filter_: Mapping | None = None,
        group_by: Sequence[str] | None = None,
        count: bool | None = None,
        first: bool | None = None,
        order_by: str | None = None,
        offset: int | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
        include_total: bool | None = None,
    ) -> dict[str, Any]:
        """Groups of matching records keyed by the group_by paths' values (missing: null).

        No matching record gives no group. Groups sort by their keys ascending unless order_by
        names ``count`` or ``data.<group_by path>`` terms.
        """
        paths = list(group_by or [])
        default_order = ", ".join(f"data.{p}" for p in paths) or "count"
        terms = query.parse_order_by(
            order_by, default=default_order, resolve=lambda f: _group_field(f, paths), hint=GROUP_SORT_HINT
        )
        page = query.page_request(offset, page_size, page_token)
        getters = [query.path_getter(p) for p in paths]

        groups: dict[bytes, dict[str, Any]] = {}
        for record in self._matching(scope, filter_):
            values = [g(record["data"]) for g in getters]
            values = [None if v is query.MISSING else v for v in values]
            key = orjson.dumps(values, option=orjson.OPT_SORT_KEYS)
            group = groups.get(key)
            if group is None:
                groups[key] = {"id": key, "group_key": dict(zip(paths, values)), "count": 1, "first": record}
                continue
            group["count"] += 1
            earliest = group["first"]
            if (record["created_at"], record["id"]) < (earliest["created_at"], earliest["id"]):
                group["first"] = record

        ordered = query.sort_records(list(groups.values()), terms, id_of=_record_id)
        body = query.paginate(ordered, page, include_total)
        body["items"] = [_group_body(g, count, first) for g in body["items"]]
        return body

    def delete_by_query(self, scope: Scope, filter_: Mapping | None = None) -> int:
        doomed = [r["id"] for r in self._matching(scope, filter_)]
        if doomed:
            self.table.remove(doc_ids=doomed)  # one logged change: all or nothing
            index = self._by_scope[scope]
            for record_id in doomed:
                index.pop(record_id, None)
        return len(doomed)


def _record_id(record: Mapping[str, Any]) -> Any:
    return record["id"]


def _group_field(field: str, paths: list[str]):
    if field == "count":
        return lambda group: group["count"]
    if field.startswith("data.") and field[5:] in paths:
        path = field[5:]
        return lambda group: group["group_key"][path]
    return None


def _group_body(group: dict[str, Any], count: bool | None, first: bool | None) -> dict[str, Any]:
    body: dict[str, Any] = {"group_key": group["group_key"]}
    if count:
        body["count"] = group["count"]
    if first:
        body["first_item"] = group["first"]["data"]
    return body
