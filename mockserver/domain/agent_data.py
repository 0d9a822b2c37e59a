"""Agent Data: JSON records scoped by (project, deployment_name, collection). No HTTP here.

Records are stored in the TinyDB table ``agent_data`` under their own id, shaped as the API
returns them. An in-memory index by scope keeps a search from scanning other collections.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from tinydb.table import Document

from mockserver.domain import query
from mockserver.domain.clock import Clock
from mockserver.domain.errors import NotFound
from mockserver.domain.ids import IdFactory
from mockserver.domain.query import Query
from mockserver.storage import Database

DEFAULT_COLLECTION = "default"
Scope = tuple[str, str, str]  # (project_id, deployment_name, collection)

EVERYTHING = Query()  # no filter, default order, first page
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
        # records by id within each scope, in insertion order: the same dicts as the table's
        self._by_scope: dict[Scope, dict[str, dict]] = {}
        self.reindex()

    def reindex(self) -> None:
        """Rebuild the index by scope from the table (after the table was replaced whole)."""
        self._by_scope.clear()
        for record_id, record in self._records.items():
            self._by_scope.setdefault(_scope(record), {})[record_id] = record

    # ------------------------------------------------------------------ CRUD
    def create(
        self,
        data: dict,
        deployment_name: str,
        collection: str | None,
        project_id: str | None,
        record_id: str | None = None,
    ) -> dict:
        """A new record; ``record_id`` (fixtures, lenient mode) instead of a generated id."""
        now = self.clock.now_iso()
        record = {
            "id": record_id or self.ids.uuid(),
            "project_id": project_id or self.default_project_id,
            "deployment_name": deployment_name,
            "collection": collection or DEFAULT_COLLECTION,
            "data": data,
            "created_at": now,
            "updated_at": now,
        }
        self.table.insert(Document(record, doc_id=record["id"]))
        stored = self._records[record["id"]]
        self._by_scope.setdefault(_scope(stored), {})[stored["id"]] = stored
        return stored

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
    def scope(self, deployment_name: str, collection: str | None, project_id: str | None) -> Scope:
        return (project_id or self.default_project_id, deployment_name, collection or DEFAULT_COLLECTION)

    def _matching(self, scope: Scope, filter_: Mapping | None) -> list[dict]:
        conditions = query.compile_filter(filter_)  # raises InvalidField before anything is read
        in_scope = list(self._by_scope.get(scope, {}).values())
        return query.apply_filter(in_scope, conditions)

    def search(self, scope: Scope, request: Query = EVERYTHING) -> dict[str, Any]:
        terms = query.parse_order_by(
            request.order_by, default="created_at desc", resolve=query.record_sort_field, hint=query.RECORD_SORT_HINT
        )
        page = query.page_request(request.offset, request.page_size, request.page_token)
        matched = self._matching(scope, request.filter)
        ordered = query.sort_items(matched, terms, query.column, query.column(matched, "id"))
        return query.paginate(ordered, page, request.include_total)

    def aggregate(
        self,
        scope: Scope,
        request: Query = EVERYTHING,
        group_by: Sequence[str] | None = None,
        count: bool | None = None,
        first: bool | None = None,
    ) -> dict[str, Any]:
        """Groups of matching records keyed by the group_by paths' values (missing: null).

        No matching record gives no group. Groups sort by their keys ascending unless order_by
        names ``count`` or ``data.<group_by path>`` terms.
        """
        paths = list(group_by or [])
        default_order = ", ".join(f"data.{p}" for p in paths) or "count"
        terms = query.parse_order_by(
            request.order_by, default=default_order, resolve=lambda f: _group_sort_field(f, paths), hint=GROUP_SORT_HINT
        )
        page = query.page_request(request.offset, request.page_size, request.page_token)
        matched = self._matching(scope, request.filter)
        # earliest first, so that each group's first occurrence is its earliest record
        created, ids = query.column(matched, "created_at"), query.column(matched, "id")
        if any(a > b for a, b in zip(created, created[1:])):
            matched = [row[-1] for row in sorted(zip(created, ids, matched))]
        values = [[None if v is query.MISSING else v for v in query.column(matched, "data." + p)] for p in paths]
        tokens = list(zip(*(_hashable_column(col) for col in values))) if paths else [()] * len(matched)

        counts = Counter(tokens)
        first_index = dict(zip(reversed(tokens), range(len(tokens) - 1, -1, -1)))  # earliest wins
        groups = [
            {
                "index": i,
                "group_key": {p: col[i] for p, col in zip(paths, values)},
                "count": counts[token],
                "first_item": matched[i]["data"],
            }
            for token, i in sorted(first_index.items(), key=lambda item: item[1])
        ]
        ordered = query.sort_items(groups, terms, _group_column, [g["index"] for g in groups])
        body = query.paginate(ordered, page, request.include_total)
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


def _hashable_column(values: list[Any]) -> list[Any]:
    """Group tokens: the values themselves when that is safe, else their canonical JSON
    (lists and objects are unhashable, and True == 1 would merge two groups)."""
    kinds = set(map(type, values))
    if kinds <= {str, int, float, type(None)} or kinds <= {str, bool, type(None)}:
        return values
    return [orjson.dumps(v, option=orjson.OPT_SORT_KEYS) for v in values]


def _group_sort_field(field: str, paths: list[str]) -> str | None:
    if field == "count" or (field.startswith("data.") and field[5:] in paths):
        return field
    return None


def _group_column(groups: list[dict[str, Any]], field: str) -> list[Any]:
    if field == "count":
        return [g["count"] for g in groups]
    path = field[5:]
    return [g["group_key"][path] for g in groups]


def _group_body(group: dict[str, Any], count: bool | None, first: bool | None) -> dict[str, Any]:
    body: dict[str, Any] = {"group_key": group["group_key"]}
    if count:
        body["count"] = group["count"]
    if first:
        body["first_item"] = group["first_item"]
    return body
