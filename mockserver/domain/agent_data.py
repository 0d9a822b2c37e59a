"""Agent Data: JSON records scoped by (project, deployment_name, collection). No HTTP here.

Records are stored in the TinyDB table ``agent_data`` under their own id, shaped as the API
returns them. An in-memory index by scope keeps a search from scanning other collections, and
the few most recently queried scopes keep a ``query.RecordView`` (their records with cached
columns), which every write to the scope keeps in step: a write takes the view out of the cache
before it changes the table, and puts it back updated once the table is written.
"""

from __future__ import annotations

import operator
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from itertools import islice
from typing import Any

import orjson
from tinydb.table import Document

from mockserver.domain import query
from mockserver.domain.errors import NotFound
from mockserver.domain.query import Query
from mockserver.domain.store import Store, StoreContext

DEFAULT_COLLECTION = "default"
Scope = tuple[str, str, str]  # (project_id, deployment_name, collection)

EVERYTHING = Query()  # no filter, default order, first page
MAX_CACHED_VIEWS = 8  # scopes whose columns are kept: memory stays a few columns of a few scopes
GROUP_SORT_HINT = "sort groups by count or by a path of group_by (data.<path>, or the path alone)"


def _scope(record: Mapping[str, Any]) -> Scope:
    return (record["project_id"], record["deployment_name"], record["collection"])


class AgentDataStore(Store):
    TABLE = "agent_data"

    def __init__(self, context: StoreContext):
        self.table = context.db.table(self.TABLE)
        self.clock = context.clock
        self.ids = context.ids
        self.default_project_id = context.default_project_id
        self._records = self.table.documents()
        # records by id within each scope, in insertion order: the same dicts as the table's
        self._by_scope: dict[Scope, dict[str, dict]] = {}
        self._views: OrderedDict[Scope, query.RecordView] = OrderedDict()  # least recently used first
        self.reindex()

    def reindex(self) -> None:
        """Rebuild the index by scope from the table (after the table was replaced whole)."""
        self._by_scope.clear()
        self._views.clear()
        for record_id, record in self._records.items():
            self._by_scope.setdefault(_scope(record), {})[record_id] = record

    def restored(self, snapshot: dict[str, Any]) -> None:
        self.reindex()

    def reset(self) -> None:
        self.reindex()

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
        view = self._views.get(_scope(stored))
        if view is not None:
            view.append(stored)
        return stored

    def get(self, item_id: str, project_id: str | None) -> dict:
        """The record; a project named by the request must be the record's (else it is invisible)."""
        record = self._records.get(item_id)
        if record is None or (project_id and record["project_id"] != project_id):
            raise NotFound("Agent data", item_id)
        return record

    def update(self, item_id: str, data: dict, project_id: str | None) -> dict:
        record = self.get(item_id, project_id)
        view = self._views.pop(_scope(record), None)  # out of step with the table until both are done
        updated_at = self.clock.now_iso()
        self.table.update({"data": data, "updated_at": updated_at}, doc_ids=[item_id])
        stored = self._records[item_id]
        if view is not None:
            view.replace(view.position(record), stored)
            self._keep_view(_scope(stored), view)
        return stored

    def delete(self, item_id: str, project_id: str | None) -> None:
        record = self.get(item_id, project_id)
        view = self._views.pop(_scope(record), None)
        self.table.remove(doc_ids=[item_id])
        self._forget(_scope(record), [item_id])
        if view is not None:
            view.remove([view.position(record)])
            self._keep_view(_scope(record), view)

    # ------------------------------------------------------------------ queries
    def collections(self) -> list[dict[str, Any]]:
        """Every scope holding records, with its count, sorted (from the index: nothing scanned)."""
        return [
            {"project_id": project, "deployment_name": deployment, "collection": collection, "count": len(records)}
            for (project, deployment, collection), records in sorted(self._by_scope.items())
            if records
        ]

    def scope(self, deployment_name: str, collection: str | None, project_id: str | None) -> Scope:
        return (project_id or self.default_project_id, deployment_name, collection or DEFAULT_COLLECTION)

    def _view(self, scope: Scope) -> query.RecordView:
        view = self._views.get(scope)
        if view is not None:
            self._views.move_to_end(scope)
            return view
        view = query.RecordView(list(self._by_scope.get(scope, {}).values()))
        self._keep_view(scope, view)
        return view

    def _keep_view(self, scope: Scope, view: query.RecordView) -> None:
        if not view.records:
            return  # an empty scope costs nothing to view again
        self._views[scope] = view
        if len(self._views) > MAX_CACHED_VIEWS:
            self._views.popitem(last=False)

    def _matching(self, scope: Scope, filter_: Mapping | None) -> tuple[query.RecordView, Sequence[int]]:
        """The scope's view and the positions in it of the records the filter keeps."""
        conditions = query.compile_filter(filter_)  # raises InvalidField before anything is read
        view = self._view(scope)
        return view, query.select(view, conditions)

    def search(self, scope: Scope, request: Query = EVERYTHING) -> dict[str, Any]:
        terms = query.record_sort_terms(request.order_by)
        page = query.page_request(request.offset, request.page_size, request.page_token)
        view, positions = self._matching(scope, request.filter)
        leading = query.sort_positions(view, positions, terms, limit=page.offset + page.size)
        records = view.records
        return query.paginate([records[i] for i in leading], page, request.include_total, total=len(positions))

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
        view, positions = self._matching(scope, request.filter)
        # earliest first, so that each group's first occurrence is its earliest record
        if not view.column("created_at").ascending:
            created = view.values(positions, "created_at")
            if any(map(operator.gt, created, islice(created, 1, None))):
                ids = [view.records[i]["id"] for i in positions]
                positions = [row[-1] for row in sorted(zip(created, ids, positions))]
        columns = [_group_values(view, positions, p) for p in paths]
        values = [col for col, _ in columns]
        if len(paths) == 1:
            tokens = _hashable_column(*columns[0])  # no tuple per record
        else:  # no path at all: a single group
            tokens = list(zip(*(_hashable_column(*col) for col in columns))) if paths else [()] * len(positions)

        counts = Counter(tokens)  # its keys come in order of first occurrence
        groups = [
            {
                "index": i,
                "group_key": {p: col[i] for p, col in zip(paths, values)},
                "count": counts[tokens[i]],
                "first_item": view.records[positions[i]]["data"],
            }
            for i in _first_occurrences(tokens, counts)
        ]
        ordered = query.sort_items(groups, terms, _group_sort_keys, lambda: [g["index"] for g in groups])
        body = query.paginate(ordered, page, request.include_total)
        body["items"] = [_group_body(g, count, first) for g in body["items"]]
        return body

    def _forget(self, scope: Scope, record_ids: Sequence[str]) -> None:
        index = self._by_scope[scope]
        for record_id in record_ids:
            index.pop(record_id, None)
        if not index:  # a load test using fresh collections must not leave one entry per collection
            del self._by_scope[scope]

    def delete_by_query(self, scope: Scope, filter_: Mapping | None = None) -> int:
        view, positions = self._matching(scope, filter_)
        doomed = [view.records[i]["id"] for i in positions]
        if not doomed:
            return 0
        self._views.pop(scope, None)  # out of step with the table until both are done
        self.table.remove(doc_ids=doomed)  # one logged change: all or nothing
        self._forget(scope, doomed)
        view.remove(positions)
        self._keep_view(scope, view)
        return len(doomed)


def _group_values(view: query.RecordView, positions: Sequence[int], path: str) -> tuple[list[Any], set[type]]:
    """A group_by path's values at the positions, null where missing, and their types (or more)."""
    field = "data." + path
    values = view.values(positions, field)
    kinds = view.kinds(field, values)
    if type(query.MISSING) in kinds:
        values = [None if v is query.MISSING else v for v in values]
        kinds = kinds - {type(query.MISSING)} | {type(None)}
    return values, kinds


def _first_occurrences(tokens: list, distinct: Iterable) -> list[int]:
    """The index of each distinct token's first occurrence (``distinct`` lists them in that order).
    Each search starts where the previous one stopped: one pass at most, in C."""
    firsts, start = [], 0
    for token in distinct:
        start = tokens.index(token, start)
        firsts.append(start)
    return firsts


# group tokens of these types alone are their values: no two different ones are equal
_SELF_TOKEN_KINDS = ({str, int, float, type(None)}, {str, bool, type(None)})


def _hashable_column(values: list[Any], kinds: set[type]) -> list[Any]:
    """Group tokens: the values themselves when that is safe, else their canonical JSON
    (lists and objects are unhashable, and True == 1 would merge two groups).

    ``kinds`` are the types of the whole column, which the values are part of: when those are
    safe, the values' types are too, without a look at each value.
    """
    if not any(kinds <= safe for safe in _SELF_TOKEN_KINDS):
        kinds = set(map(type, values))
    if any(kinds <= safe for safe in _SELF_TOKEN_KINDS):
        return values
    return [orjson.dumps(v, option=orjson.OPT_SORT_KEYS) for v in values]


def _group_sort_field(field: str, paths: list[str]) -> str | None:
    """``count``, or a group_by path written ``data.<path>`` or bare (as in a search's order_by)."""
    if field == "count" or (field.startswith("data.") and field[5:] in paths):
        return field
    return "data." + field if field in paths else None


def _group_sort_keys(groups: list[dict[str, Any]], term: query.SortTerm) -> list[Any]:
    if term.field == "count":
        values = [g["count"] for g in groups]
    else:
        path = term.field[5:]
        values = [g["group_key"][path] for g in groups]
    return query.sort_column(values, term.descending)


def _group_body(group: dict[str, Any], count: bool | None, first: bool | None) -> dict[str, Any]:
    body: dict[str, Any] = {"group_key": group["group_key"]}
    if count:
        body["count"] = group["count"]
    if first:
        body["first_item"] = group["first_item"]
    return body
