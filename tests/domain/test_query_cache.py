"""The fast query paths (cached columns, top-k, the default-sort bisection, column-wise aggregates)
give exactly the answers of a plain reference that filters, sorts and groups record by record.

Random records (mixed types, missing fields, nulls, ties), random queries, and writes between
them, with clocks that tick forward (with ties) or jump back (created_at out of insertion
order); every answer is compared whole with the reference's.
"""

from __future__ import annotations

import functools
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from mockserver.domain import query
from mockserver.domain.agent_data import AgentDataStore
from mockserver.domain.clock import format_instant
from mockserver.domain.errors import InvalidField
from mockserver.domain.ids import IdFactory
from mockserver.domain.query import MISSING, Query
from mockserver.domain.store import StoreContext
from mockserver.storage import Database

START = datetime(2024, 1, 1, tzinfo=UTC)
SCOPE_ARGS = ("dep", "main", None)  # deployment, collection, project

# values whose comparisons and groupings are tricky: 1 == 1.0 == True, instants written two ways
SCALARS = [0, 1, 1.0, 2, 2.5, -3, True, False, "a", "b", "B", "", "1", None,
           "2024-01-01T00:00:00Z", "2024-01-01T01:00:00+01:00", "2024-01-02", "2023-12-31T23:59:59.5Z"]  # fmt: skip
VALUES = [*SCALARS, [], [1, "a"], ["a"], [True], {"x": 1}, {"x": "a", "y": None}, {}]
FIELDS = ["num", "word", "mix", "flag", "n.x", "l.0", "l"]
SORT_FIELDS = ["created_at", "updated_at", "id", *(f"data.{f}" for f in FIELDS)]
OPS = ["eq", "ne", "gt", "gte", "lt", "lte", "includes", "excludes"]


class RandomClock:
    """Ticks forward by 0 to 2 seconds (ties included); once in a while (``jumps``: 0 never,
    1 always) reads any instant up to a few seconds ahead, usually one already passed."""

    def __init__(self, rnd: random.Random, jumps: float):
        self.rnd, self.jumps, self.seconds = rnd, jumps, 0

    def now_iso(self) -> str:
        if self.rnd.random() < self.jumps:
            return format_instant(START + timedelta(seconds=self.rnd.randrange(self.seconds + 5)))
        self.seconds += self.rnd.choice((0, 0, 1, 2))
        return format_instant(START + timedelta(seconds=self.seconds))


def random_data(rnd: random.Random) -> dict:
    """Fields that are usually one type (the columns' fast paths) or anything (their slow paths)."""
    data: dict[str, Any] = {}
    if rnd.random() < 0.9:
        data["num"] = rnd.choice([0, 1, 2, 3, 2.5, -1]) if rnd.random() < 0.95 else rnd.choice(VALUES)
    if rnd.random() < 0.9:
        data["word"] = rnd.choice(["a", "b", "c", "B", ""]) if rnd.random() < 0.95 else rnd.choice(VALUES)
    if rnd.random() < 0.8:
        data["mix"] = rnd.choice(VALUES)
    if rnd.random() < 0.7:
        data["flag"] = rnd.choice([True, False]) if rnd.random() < 0.9 else rnd.choice(VALUES)
    if rnd.random() < 0.6:
        data["n"] = {"x": rnd.choice(VALUES)} if rnd.random() < 0.9 else rnd.choice(VALUES)
    if rnd.random() < 0.6:
        data["l"] = [rnd.choice(SCALARS) for _ in range(rnd.randrange(3))]
    return data


# --------------------------------------------------------------------------- the reference
def value_of(record: dict, field: str) -> Any:
    if not field.startswith("data."):
        return record[field]
    value: Any = record["data"]
    for part in field[5:].split("."):
        if type(value) is dict and part in value:
            value = value[part]
        elif type(value) is list and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return MISSING
    return value


def json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), "null")


def holds(value: Any, op: str, operand: Any, timestamp: bool) -> bool:
    if op in ("includes", "excludes"):
        items = value if type(value) is list else [value]
        hit = any(
            json_type(item) == json_type(o) and item == o
            for item in items
            if type(item) is not list
            for o in operand
            if o is not None
        )
        return hit if op == "includes" else not hit and value is not MISSING and value is not None
    if (
        value is MISSING
        or json_type(value) != json_type(operand)
        or json_type(operand) not in ("number", "string", "boolean")
    ):
        return False
    if type(operand) is str and not timestamp and query.parse_instant(operand):
        value, operand = query.parse_instant(value), query.parse_instant(operand)
        if value is None:
            return False
    return {
        "eq": value == operand,
        "ne": value != operand,
        "gt": value > operand,
        "gte": value >= operand,
        "lt": value < operand,
        "lte": value <= operand,
    }[op]


def matches(record: dict, conditions: list[query.Condition]) -> bool:
    for c in conditions:
        timestamp = c.field in query.TIMESTAMP_FIELDS
        if not holds(value_of(record, c.field if timestamp else "data." + c.field), c.op, c.operand, timestamp):
            return False
    return True


RANK = {"number": 1, "string": 2, "boolean": 3, "array": 4, "object": 5, "null": 6}


def rank_key(value: Any) -> tuple:
    kind = json_type(value)
    if kind in ("array", "object"):
        return (RANK[kind], orjson.dumps(value, option=orjson.OPT_SORT_KEYS))
    return (RANK[kind], None if value is None else value)


def compare(a: Any, b: Any, descending: bool) -> int:
    """Missing last either way; else by type, then value."""
    if a is MISSING or b is MISSING:
        return (a is MISSING) - (b is MISSING)
    ka, kb = rank_key(a), rank_key(b)
    if ka == kb:
        return 0
    return (1 if ka > kb else -1) * (-1 if descending else 1)


def reference_order(records: list[dict], terms: list[query.SortTerm]) -> list[dict]:
    def cmp(a: dict, b: dict) -> int:
        for term in terms:
            result = compare(value_of(a, term.field), value_of(b, term.field), term.descending)
            if result:
                return result
        return (a["id"] > b["id"]) - (a["id"] < b["id"])

    return sorted(records, key=functools.cmp_to_key(cmp))


def reference_page(ordered: list, request: Query) -> dict:
    page = query.page_request(request.offset, request.page_size, request.page_token)
    end = page.offset + page.size
    body = {
        "items": ordered[page.offset : end],
        "next_page_token": query.encode_page_token(end) if end < len(ordered) else None,
    }
    if request.include_total:
        body["total_size"] = len(ordered)
    return body


def reference_search(scope_records: list[dict], request: Query) -> dict:
    matched = [r for r in scope_records if matches(r, query.compile_filter(request.filter))]
    terms = query.parse_order_by(request.order_by, default="created_at desc", resolve=query.record_sort_field, hint="")
    return reference_page(reference_order(matched, terms), request)


def reference_aggregate(scope_records: list[dict], request: Query, paths: list[str], count: bool, first: bool) -> dict:
    matched = [r for r in scope_records if matches(r, query.compile_filter(request.filter))]
    created = [r["created_at"] for r in matched]
    if created != sorted(created):  # earliest first (kept in insertion order when already so)
        matched.sort(key=lambda r: (r["created_at"], r["id"]))
    keys = [
        {p: None if value_of(r, "data." + p) is MISSING else value_of(r, "data." + p) for p in paths} for r in matched
    ]
    # a group token is the value itself when the path's values are all of "safe" types, else its JSON
    raw = {
        p: {type(k[p]) for k in keys} <= {str, int, float, type(None)}
        or {type(k[p]) for k in keys} <= {str, bool, type(None)}
        for p in paths
    }

    def token(key: dict) -> tuple:
        return tuple(key[p] if raw[p] else orjson.dumps(key[p], option=orjson.OPT_SORT_KEYS) for p in paths)

    groups: dict[tuple, dict] = {}
    for index, (record, key) in enumerate(zip(matched, keys)):
        group = groups.setdefault(
            token(key), {"index": index, "group_key": key, "count": 0, "first_item": record["data"]}
        )
        group["count"] += 1
    default = ", ".join(f"data.{p}" for p in paths) or "count"
    terms = query.parse_order_by(request.order_by, default=default, resolve=lambda f: f, hint="")

    def cmp(a: dict, b: dict) -> int:
        for term in terms:
            va, vb = (g["count"] if term.field == "count" else g["group_key"][term.field[5:]] for g in (a, b))
            result = compare(va, vb, term.descending)
            if result:
                return result
        return a["index"] - b["index"]

    ordered = sorted(groups.values(), key=functools.cmp_to_key(cmp))
    body = reference_page(ordered, request)
    body["items"] = [
        {
            "group_key": g["group_key"],
            **({"count": g["count"]} if count else {}),
            **({"first_item": g["first_item"]} if first else {}),
        }
        for g in body["items"]
    ]
    return body


# --------------------------------------------------------------------------- random requests
def delete_by_query(store: AgentDataStore, scope, model: dict[str, dict], filter_: dict, most: int) -> None:
    """Delete what the filter matches, in the store and in the model, unless that is more than
    ``most`` records (enough must stay for the next queries); the store must count them right."""
    doomed = [r["id"] for r in model.values() if matches(r, query.compile_filter(filter_))]
    if len(doomed) > most:
        return
    assert store.delete_by_query(scope, filter_) == len(doomed)
    for record_id in doomed:
        del model[record_id]


def random_filter(rnd: random.Random, records: list[dict]) -> dict:
    filter_: dict[str, dict] = {}
    for _ in range(rnd.choice((0, 1, 1, 2, 3))):
        op = rnd.choice(OPS)
        if rnd.random() < 0.15:
            field = rnd.choice(query.TIMESTAMP_FIELDS)
            # stored instants, and instants written otherwise (an offset, no fraction)
            operands = [*(r[field] for r in records[:20]), "2024-01-01T00:00:10Z", "2024-01-01T01:00:05+01:00"]
        else:
            field = rnd.choice(FIELDS)
            operands = [v for v in SCALARS if v is not None]
        many = op in ("includes", "excludes")
        filter_.setdefault(field, {})[op] = rnd.sample(operands, rnd.randrange(4)) if many else rnd.choice(operands)
    return filter_


def random_search(rnd: random.Random, records: list[dict]) -> Query:
    terms = [f"{rnd.choice(SORT_FIELDS)} {rnd.choice(('asc', 'desc', ''))}" for _ in range(rnd.choice((1, 1, 2, 3)))]
    return Query(
        filter=random_filter(rnd, records),
        order_by=None if rnd.random() < 0.3 else ", ".join(terms),  # None: the default, created_at desc
        offset=rnd.choice((None, 0, 1, 5, rnd.randrange(len(records) + 5))),
        page_size=rnd.choice((None, 1, 3, 10, 40, 1000)),
        include_total=rnd.choice((None, True, False)),
    )


def random_aggregate(rnd: random.Random, records: list[dict]) -> tuple[Query, list[str]]:
    paths = rnd.sample(FIELDS, rnd.choice((0, 1, 1, 1, 2)))
    names = ["count", *(f"data.{p}" for p in paths)]
    terms = [f"{rnd.choice(names)} {rnd.choice(('asc', 'desc'))}" for _ in range(rnd.choice((1, 2)))]
    request = Query(
        filter=random_filter(rnd, records),
        order_by=None if rnd.random() < 0.5 else ", ".join(terms),
        offset=rnd.choice((None, 0, 2)),
        page_size=rnd.choice((None, 2, 50)),
        include_total=rnd.choice((None, True)),
    )
    return request, paths


# --------------------------------------------------------------------------- the differential test
@pytest.mark.parametrize("jumps", [0, 0.02, 1], ids=["ticking-clock", "rarely-jumping-clock", "jumping-clock"])
@pytest.mark.parametrize("seed", range(10))
def test_fast_paths_answer_as_the_reference_through_writes(seed, jumps, monkeypatch):
    if seed % 3 == 0:
        monkeypatch.setattr(query, "MAX_CACHED_COLUMNS", 2)  # columns evicted and rebuilt all the time
    rnd = random.Random(seed)
    store = AgentDataStore(StoreContext(Database(), RandomClock(rnd, jumps), IdFactory(seed), "proj"))
    scope = store.scope(*SCOPE_ARGS)
    model: dict[str, dict] = {}  # the scope's records in insertion order, as the reference sees them
    for i in range(rnd.randrange(150, 300)):
        record = store.create(random_data(rnd), *SCOPE_ARGS)
        model[record["id"]] = record
        if i == 20:  # cache columns early: the later creates append to them
            store.search(scope, Query(order_by="data.num, data.word, data.mix, data.flag"))
            store.search(scope, Query(page_size=1))
        if rnd.random() < 0.1:
            store.create(random_data(rnd), "dep", "other", None)  # another scope, never seen

    for _ in range(60):
        records = list(model.values())
        action = rnd.random()
        if action < 0.45:
            request = random_search(rnd, records)
            assert store.search(scope, request) == reference_search(records, request), request
        elif action < 0.65:
            request, paths = random_aggregate(rnd, records)
            count, first = rnd.choice((None, True)), rnd.choice((None, True))
            expected = reference_aggregate(records, request, paths, count, first)
            assert store.aggregate(scope, request, paths, count, first) == expected, (request, paths)
        elif action < 0.75:
            for _ in range(rnd.randrange(1, 6)):
                record = store.create(random_data(rnd), *SCOPE_ARGS)
                model[record["id"]] = record
        elif action < 0.85 and records:
            record = store.update(rnd.choice(records)["id"], random_data(rnd), None)
            model[record["id"]] = record  # keeps its place in insertion order
        elif action < 0.92 and records:
            doomed = rnd.choice(records)["id"]
            store.delete(doomed, None)
            del model[doomed]
        else:
            delete_by_query(store, scope, model, random_filter(rnd, records), most=len(records) // 3)
    assert (
        store.search(scope, Query(page_size=1000))["items"]
        == reference_search(list(model.values()), Query(page_size=1000))["items"]
    )


# --------------------------------------------------------------------------- targeted cases
class SettableClock:
    """One second later at each reading, unless told what to read next."""

    def __init__(self):
        self.seconds, self.next = 0, None

    def now_iso(self) -> str:
        if self.next is not None:
            return self.next
        self.seconds += 1
        return format_instant(START + timedelta(seconds=self.seconds))


@pytest.fixture
def clock():
    return SettableClock()


@pytest.fixture
def store(clock):
    return AgentDataStore(StoreContext(Database(), clock, IdFactory(3), "proj"))


@pytest.fixture
def scope(store):
    return store.scope(*SCOPE_ARGS)


def test_default_sort_takes_whole_runs_of_equal_created_at(store, scope, clock):
    """A page ending inside a run of equal created_at: ids still order the run."""
    clock.next = "2024-01-01T00:00:00.000000Z"  # a frozen clock
    ids = sorted(store.create({"i": i}, *SCOPE_ARGS)["id"] for i in range(30))
    first = store.search(scope, Query(page_size=7))
    second = store.search(scope, Query(page_size=7, page_token=first["next_page_token"]))
    assert [r["id"] for r in first["items"] + second["items"]] == ids[:14]


def test_created_at_out_of_insertion_order_is_noticed(store, scope, clock):
    made = [store.create({"i": i}, *SCOPE_ARGS) for i in range(20)]
    assert store.search(scope, Query(page_size=3))["items"] == made[::-1][:3]  # the bisection, warmed up
    clock.next = "2000-01-01T00:00:00.000000Z"
    oldest = store.create({"i": "oldest"}, *SCOPE_ARGS)  # appended last, yet the oldest
    assert store.search(scope, Query(page_size=3))["items"] == made[::-1][:3]
    assert store.search(scope, Query(order_by="created_at", page_size=2))["items"] == [oldest, made[0]]
    result = store.aggregate(scope, Query(), [], True, True)
    assert result["items"] == [{"group_key": {}, "count": 21, "first_item": oldest["data"]}]


def test_updates_are_seen_by_cached_columns(store, scope):
    made = [store.create({"n": i, "s": "x"}, *SCOPE_ARGS) for i in range(10)]
    request = Query(filter={"n": {"gte": 5}}, order_by="data.n desc", page_size=2)
    assert [r["data"]["n"] for r in store.search(scope, request)["items"]] == [9, 8]
    store.update(made[2]["id"], {"n": 100, "s": "y"}, None)
    assert [r["data"]["n"] for r in store.search(scope, request)["items"]] == [100, 9]
    store.update(made[9]["id"], {"n": "nine"}, None)  # a string now: no longer compared with 5
    assert [r["data"]["n"] for r in store.search(scope, request)["items"]] == [100, 8]
    assert store.aggregate(scope, Query(), ["s"], True, None)["items"] == [
        {"group_key": {"s": "x"}, "count": 8},
        {"group_key": {"s": "y"}, "count": 1},
        {"group_key": {"s": None}, "count": 1},
    ]
    # created_at did not change: the default order is still insertion order, newest first
    assert store.search(scope, Query(page_size=2))["items"] == [made[9], made[8]]


def test_delete_by_query_keeps_the_view_in_step(store, scope):
    for i in range(50):
        store.create({"n": i % 5, "i": i}, *SCOPE_ARGS)
    assert store.search(scope, Query(filter={"n": {"eq": 1}}, include_total=True))["total_size"] == 10
    assert store.delete_by_query(scope, {"n": {"eq": 1}}) == 10
    page = store.search(scope, Query(order_by="data.i", page_size=1000, include_total=True))
    assert [r["data"]["i"] for r in page["items"]] == [i for i in range(50) if i % 5 != 1]
    assert store.delete_by_query(scope, None) == 40
    assert store.search(scope, Query(include_total=True)) == {"items": [], "next_page_token": None, "total_size": 0}
    record = store.create({"n": 7}, *SCOPE_ARGS)
    assert store.search(scope)["items"] == [record]


def test_reindex_forgets_every_view(clock):
    db = Database()
    store = AgentDataStore(StoreContext(db, clock, IdFactory(3), "proj"))
    scope = store.scope(*SCOPE_ARGS)
    store.create({"n": 1}, *SCOPE_ARGS)
    assert len(store.search(scope)["items"]) == 1
    db.replace_all({})
    store.reindex()
    assert store.search(scope)["items"] == []


def test_cached_views_and_columns_stay_few(store):
    for collection in range(20):
        store.create({"n": 1}, "dep", f"c{collection}", None)
        order_by = ", ".join(f"data.f{i}" for i in range(12))
        store.search(store.scope("dep", f"c{collection}", None), Query(order_by=order_by))
    assert len(store._views) <= 8
    assert all(len(view._columns) <= query.MAX_CACHED_COLUMNS for view in store._views.values())


@pytest.mark.parametrize(("position", "value"), [(5, 3.5), (5, 6.5), (0, 99), (9, -1), (5, "five"), (5, None)])
def test_an_update_out_of_order_is_noticed(store, scope, position, value):
    """data.n ascends along the records (the bisection's case) until one update breaks the order."""
    made = [store.create({"n": i}, *SCOPE_ARGS) for i in range(10)]
    request = Query(order_by="data.n", page_size=3)
    assert store.search(scope, request)["items"] == made[:3]
    store.update(made[position]["id"], {"n": value}, None)
    records = list(store.table.documents().values())
    for order_by in ("data.n", "data.n desc"):
        for page_size in (1, 3):
            request = Query(order_by=order_by, page_size=page_size)
            assert store.search(scope, request) == reference_search(records, request)


# --------------------------------------------------------------------------- remembered eq positions
# Column.positions_equal remembers, per column, where the values equal an operand, and appends,
# updates and deletes keep it in step. Fields that usually hold one JSON type (where the answer is
# remembered) until a write brings another type in: 1 == 1.0 == True share one dict entry, lists
# and objects cannot be keys, null and missing values equal no operand.
EQ_OPERANDS = {
    "num": [0, 1, 1.0, 2, 2.5, True, "1"],
    "flag": [True, False, 1, 0],
    "word": ["a", "b", "", "1", 1],
    "n.x": [1, 1.0, "a", True],
    "l": ["a", 1, True],
    "l.0": ["a", 1, 1.0, False],
}
ODD_VALUES = [None, True, False, 1, 1.0, 0, "1", "a", [1], ["a"], {"x": 1}, [], {}]


def eq_data(rnd: random.Random, odd: float) -> dict:
    """Usually the field's own type; with probability ``odd``, any value or none at all."""

    def pick(usual: list) -> Any:
        return rnd.choice(ODD_VALUES) if rnd.random() < odd else rnd.choice(usual)

    data: dict[str, Any] = {}
    for field, usual in (("num", [0, 1, 1.0, 2, 2.5, -1]), ("flag", [True, False]), ("word", ["a", "b", "", "1"])):
        if rnd.random() >= odd:  # else missing
            data[field] = pick(usual)
    if rnd.random() < 0.8:
        data["n"] = {"x": pick([1, 1.0, 2])}
    if rnd.random() < 0.8:
        data["l"] = [pick(["a", "b", 1]) for _ in range(rnd.randrange(3))]
    return data


def eq_filter(rnd: random.Random, records: list[dict]) -> dict:
    if records and rnd.random() < 0.1:  # a stored instant, compared as a plain string
        return {"created_at": {"eq": rnd.choice(records)["created_at"]}}
    field = rnd.choice(list(EQ_OPERANDS))
    filter_: dict[str, dict] = {field: {"eq": rnd.choice(EQ_OPERANDS[field])}}
    if rnd.random() < 0.3:  # a second condition, read at the positions the first one kept
        other = rnd.choice([f for f in EQ_OPERANDS if f != field])
        filter_[other] = {rnd.choice(("eq", "gte", "ne")): rnd.choice(EQ_OPERANDS[other])}
    return filter_


@pytest.mark.parametrize("seed", range(12))
def test_remembered_eq_positions_answer_as_the_reference_through_writes(seed, monkeypatch):
    """A few eq filters asked again and again between creates, updates, deletes and deletes by
    query (which may bring other types into a field): every answer is the reference's."""
    if seed % 4 == 0:
        monkeypatch.setattr(query, "MAX_CACHED_COLUMNS", 2)  # columns evicted, their positions forgotten
    if seed % 4 == 1:
        monkeypatch.setattr(query, "MAX_CACHED_OPERANDS", 2)  # operands forgotten all the time
    remembered = 0
    positions_equal = query.Column.positions_equal

    def counting(column: query.Column, operand: Any) -> list[int]:
        nonlocal remembered
        remembered += operand in column._equal
        return positions_equal(column, operand)

    monkeypatch.setattr(query.Column, "positions_equal", counting)
    rnd = random.Random(seed)
    odd = rnd.choice((0.0, 0.01, 0.03))  # how often a write brings another type into a field
    store = AgentDataStore(StoreContext(Database(), RandomClock(rnd, 0.02), IdFactory(seed), "proj"))
    scope = store.scope(*SCOPE_ARGS)
    model = {}
    for _ in range(rnd.randrange(40, 120)):
        record = store.create(eq_data(rnd, 0.0), *SCOPE_ARGS)
        model[record["id"]] = record

    asked = [eq_filter(rnd, list(model.values())) for _ in range(6)]  # asked again and again, as a load
    for _ in range(400):
        records = list(model.values())
        action = rnd.random()
        if action < 0.55:
            request = Query(
                filter=rnd.choice(asked) if rnd.random() < 0.7 else eq_filter(rnd, records),
                order_by=rnd.choice((None, "data.num desc", "data.word, data.flag desc")),
                page_size=rnd.choice((3, 1000)),
                include_total=True,
            )
            assert store.search(scope, request) == reference_search(records, request), request
        elif action < 0.6:
            paths = rnd.sample(list(EQ_OPERANDS)[:4], 1)
            request = Query(filter=eq_filter(rnd, records))
            expected = reference_aggregate(records, request, paths, True, True)
            assert store.aggregate(scope, request, paths, True, True) == expected, request
        elif action < 0.75:
            record = store.create(eq_data(rnd, odd), *SCOPE_ARGS)
            model[record["id"]] = record
        elif action < 0.9 and records:
            record = store.update(rnd.choice(records)["id"], eq_data(rnd, odd), None)
            model[record["id"]] = record
        elif action < 0.96 and records:
            doomed = rnd.choice(records)["id"]
            store.delete(doomed, None)
            del model[doomed]
        elif records:
            delete_by_query(store, scope, model, eq_filter(rnd, records), most=len(records) // 4)
    assert remembered > 10  # the remembered positions were used, not only made


def test_remembered_positions_follow_updates_across_equal_numbers(store, scope):
    """1 and 1.0 are one entry; an update to True joins it too, and then the column has booleans
    and numbers, so an eq on either is tested value by value, never read from the entry."""
    made = [store.create({"n": v}, *SCOPE_ARGS) for v in (1, 1.0, 2, 1, "1", [1], None)]
    store.create({}, *SCOPE_ARGS)

    def ids_equal_to(operand: Any) -> list[str]:
        page = store.search(scope, Query(filter={"n": {"eq": operand}}, order_by="created_at", page_size=100))
        return [r["id"] for r in page["items"]]

    ones = [made[0]["id"], made[1]["id"], made[3]["id"]]
    assert ids_equal_to(1) == ones
    assert ids_equal_to(1.0) == ones  # remembered under 1
    store.update(made[1]["id"], {"n": 2}, None)
    store.update(made[2]["id"], {"n": 1.0}, None)
    assert ids_equal_to(1) == [made[0]["id"], made[2]["id"], made[3]["id"]]
    assert ids_equal_to(2) == [made[1]["id"]]
    late = store.create({"n": 1}, *SCOPE_ARGS)
    assert ids_equal_to(1.0) == [made[0]["id"], made[2]["id"], made[3]["id"], late["id"]]
    store.update(made[0]["id"], {"n": True}, None)
    assert ids_equal_to(1) == [made[2]["id"], made[3]["id"], late["id"]]
    assert ids_equal_to(True) == [made[0]["id"]]
    store.delete(made[3]["id"], None)
    assert ids_equal_to(1) == [made[2]["id"], late["id"]]


def test_a_bad_order_by_is_refused_every_time(store, scope):
    store.create({"n": 1}, *SCOPE_ARGS)
    for _ in range(2):  # the parsed terms are cached, the refusal is not
        with pytest.raises(InvalidField):
            store.search(scope, Query(order_by="n sideways"))
