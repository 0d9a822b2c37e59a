"""The Agent Data query language: filters, sort terms and pagination, as pure functions.

Records are the stored dicts ``{id, data, created_at, updated_at, ...}``. Semantics (seeds 001
and 002, wire-format.md section 1, and our decisions where they are silent):

* filter keys are dot paths inside ``data`` (``"contact.email"``, list indexes as ``"items.0"``),
  except the top-level ``created_at`` and ``updated_at``; every operator of every key must hold;
* a comparison only holds between values of the same JSON type (numbers with numbers, strings
  with strings, booleans with booleans); anything else, a missing field or a null, never
  matches and never raises. Two ISO 8601 date-time strings compare as instants;
* ``includes``/``excludes``: the field's value is (not) one of the listed values; when the field
  holds an array, any (no) element is one of them. ``includes: []`` matches nothing;
* ``eq: null`` holds where the field is null or missing, ``ne: null`` where it holds a value
  (the vendor's workflow server relies on both); a null under another operator sets no constraint;
* sort terms are ``created_at``, ``updated_at``, ``id`` or a path inside ``data``, written
  ``data.<path>`` or bare (``sequence`` sorts by ``data.sequence``, as the vendor's workflow
  server asks), each ``asc`` or ``desc``; values of different JSON types order as number <
  string < boolean < array < object < null, missing values come last in either direction, and
  ties are broken by id.

Speed: a search, an aggregate or a delete-by-query over 100,000 records must answer in well
under 100 ms in pure Python (they take under 10 ms once the scope's columns are cached). The design:

* a ``RecordView`` holds one scope's records in insertion order and caches their ``Column`` s
  (one field's values, extracted once, equal strings shared so that comparing or hashing them
  reads a few objects, not 100,000 scattered ones), a few columns at most, least recently used
  dropped. The store keeps it in step with every write to the scope: a create appends to each
  column, an update replaces one value in each, a delete removes positions. A field read at
  few positions only (under 1/8) is read from those records and not cached;
* queries work on positions into the view: a filter narrows the positions one condition at a
  time, the most selective first; when the column's types are all the operand's (or, for
  ``eq``, none that Python would call equal across JSON types), the comparison runs without a
  per-value type test (``list.index`` in C, or a comprehension whose comparison the interpreter
  specializes, faster than ``map(operator.ge, ...)``);
* an ``eq`` over all the records is answered by the column, which remembers the positions equal
  to its last few operands and keeps them in step with appends and replacements (a removal,
  which moves positions, makes it forget them): a load asking for one status again and again
  reads one list;
* a page needs only the first ``offset + page_size`` of the order: they are the positions whose
  first sort key is as good as the k-th best one or better (found by a bisection when the
  column is known to ascend along the records, as ``created_at`` does for the default sort,
  by sorting the positions when they are few, else with ``heapq``), and only those are sorted,
  one stable pass per term in C;
* an aggregate counts groups with ``Counter`` (whose keys come in order of first occurrence)
  and finds each group's first record with ``list.index``.
"""

from __future__ import annotations

import base64
import binascii
import heapq
import operator
from bisect import bisect_left, bisect_right, insort
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from itertools import compress, count, islice, repeat
from typing import Any

import orjson

from mockserver.domain.clock import format_instant
from mockserver.domain.errors import InvalidField

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
TIMESTAMP_FIELDS = ("created_at", "updated_at")
TOP_LEVEL_SORT_FIELDS = ("created_at", "updated_at", "id")
MISSING = object()

Record = Mapping[str, Any]
NUMBER_TYPES = frozenset((int, float))
STRING_TYPES = frozenset((str,))
BOOLEAN_TYPES = frozenset((bool,))
INSTANT_TYPES = frozenset((datetime,))


# --------------------------------------------------------------------------- values
def parse_instant(text: str) -> datetime | None:
    """An aware datetime for an ISO 8601 date or date-time string (naive means UTC), else None."""
    # cached, but not for long strings (no date-time is that long): the cache would keep them alive
    return _parse_instant(text) if len(text) <= 64 else _parse_instant.__wrapped__(text)


@lru_cache(maxsize=65536)
def _parse_instant(text: str) -> datetime | None:
    if len(text) < 10 or not text[:4].isdigit() or text[4] != "-":
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _type_rank(value: Any) -> int:
    if isinstance(value, bool):
        return 3
    if isinstance(value, (int, float)):
        return 1
    if isinstance(value, str):
        return 2
    if isinstance(value, list):
        return 4
    if isinstance(value, dict):
        return 5
    return 6  # null


def _same_type_as(operand: Any) -> frozenset:
    if isinstance(operand, bool):
        return BOOLEAN_TYPES
    return NUMBER_TYPES if isinstance(operand, (int, float)) else STRING_TYPES


def path_getter(path: str) -> Callable[[Any], Any]:
    """A function reading a dot path from a JSON value; MISSING when any step is absent."""
    parts = path.split(".")

    def get_path(value: Any) -> Any:
        for part in parts:
            if type(value) is dict:
                value = value.get(part, MISSING)
            elif type(value) is list and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                return MISSING
            if value is MISSING:
                return MISSING
        return value

    return get_path


def column(records: Sequence[Record], field: str) -> list[Any]:
    """The values of one field across records: ``id``, ``created_at``, ``updated_at`` or ``data.<path>``."""
    if not field.startswith("data."):
        return [r[field] for r in records]
    path = field[5:]
    if "." not in path:
        return [r["data"].get(path, MISSING) for r in records]
    get = path_getter(path)
    return [get(r["data"]) for r in records]


# --------------------------------------------------------------------------- record views
MAX_CACHED_COLUMNS = 8  # per view: a query reads a handful of fields, more would only hold memory
# per column: the positions of values equal to an operand are a handful of lists in a typical load
# (a status or two); the bound keeps a flood of distinct operands from holding memory
MAX_CACHED_OPERANDS = 64
_UNHASHABLE = frozenset((list, dict))


class Column:
    """One field's values along a view's records, and what is known of them."""

    __slots__ = ("values", "kinds", "_ascending", "_sort_keys", "_equal")

    def __init__(self, values: list[Any]):
        # the types present (MISSING's is object); after a removal, possibly types no longer present
        self.kinds = set(map(type, values))
        self.values = _shared_strings(values, self.kinds)
        self._ascending: bool | None = None  # None: not computed yet
        self._sort_keys: dict[bool, list] = {}
        # operand -> the ascending positions of the values equal to it by Python's == (so 1, 1.0
        # and True share one entry: only used when the column's types make == the filter's eq)
        self._equal: dict[Any, list[int]] = {}

    @property
    def plain(self) -> bool:
        """All strings or all numbers: the values are their own sort keys."""
        return self.kinds <= STRING_TYPES or self.kinds <= NUMBER_TYPES

    @property
    def ascending(self) -> bool:
        """Plain values that never decrease along the records (``created_at``, as a rule)."""
        if self._ascending is None:
            values = self.values
            self._ascending = self.plain and all(map(operator.le, values, islice(values, 1, None)))
        return self._ascending

    def sort_keys(self, descending: bool) -> list[Any]:
        if self.plain:
            return self.values
        keys = self._sort_keys.get(descending)
        if keys is None:
            keys = self._sort_keys[descending] = [_sort_key(v, descending) for v in self.values]
        return keys

    def positions_equal(self, operand: Any) -> list[int]:
        """The ascending positions of the values equal to the operand by Python's ==, which the
        caller knows to be the filter's ``eq`` for this column (``_bare_comparison``).

        Remembered and kept in step with appends and replacements, so that the same query asked
        again (the usual load: one status, over and over) scans nothing. Read the list before the
        next write to the column, never change it.
        """
        found = self._equal.get(operand)
        if found is None:
            found = _indexes_of(self.values, operand)
            if len(self._equal) >= MAX_CACHED_OPERANDS:
                del self._equal[next(iter(self._equal))]  # the oldest
            self._equal[operand] = found
        return found

    def _equal_to(self, value: Any) -> list[int] | None:
        """The remembered positions of the values equal to this one, if any. Lists and objects
        are unhashable, and equal no operand anyway (operands are numbers, strings or booleans)."""
        return None if type(value) in _UNHASHABLE else self._equal.get(value)

    def append(self, value: Any) -> None:
        if self._ascending and (type(value) not in self.kinds or self.values[-1] > value):
            self._ascending = False
        self.values.append(value)
        self.kinds.add(type(value))
        self._sort_keys.clear()
        if self._equal:
            found = self._equal_to(value)
            if found is not None:
                found.append(len(self.values) - 1)  # the last position: the list still ascends

    def replace(self, position: int, value: Any) -> None:
        values = self.values
        if self._ascending and not (
            type(value) in self.kinds
            and (position == 0 or values[position - 1] <= value)
            and (position == len(values) - 1 or value <= values[position + 1])
        ):
            self._ascending = False
        if self._equal:
            found = self._equal_to(values[position])
            if found is not None:
                del found[bisect_left(found, position)]
            found = self._equal_to(value)
            if found is not None:
                insort(found, position)
        values[position] = value
        self.kinds.add(type(value))  # the replaced value's type may stay listed
        self._sort_keys.clear()

    def remove(self, positions: Sequence[int]) -> None:
        """Remove the values at these ascending positions: ascending values still ascend, and kinds
        may name types no longer present."""
        self.values = _without(self.values, positions)
        if not self._ascending:
            self._ascending = None
        self._sort_keys.clear()
        # every later position moved: shifting each list would cost a pass in Python over them
        # all, more than the scan that remakes a list when it is asked for again
        self._equal.clear()


class RecordView:
    """One scope's records in insertion order, with their most recently used columns.

    Whoever writes the records keeps the view in step (``append``, ``replace``, ``remove``) or
    drops it. The lists it hands out are its own: read them, never change them.
    """

    def __init__(self, records: list[Record]):
        self.records = records
        self._columns: OrderedDict[str, Column] = OrderedDict()

    def column(self, field: str) -> Column:
        cached = self._columns.get(field)
        if cached is not None:
            self._columns.move_to_end(field)
            return cached
        made = self._columns[field] = Column(column(self.records, field))
        if len(self._columns) > MAX_CACHED_COLUMNS:
            self._columns.popitem(last=False)
        return made

    def values(self, positions: Sequence[int], field: str) -> list[Any]:
        if field not in self._columns and _few(positions, self.records):
            return column([self.records[i] for i in positions], field)  # cheaper than a whole column
        return _pick(self.column(field).values, positions)

    def kinds(self, field: str, values: list[Any]) -> set[type]:
        """The types of ``values`` (the field's at some positions), or more when its column knows."""
        cached = self._columns.get(field)
        return cached.kinds if cached is not None else set(map(type, values))

    def sort_keys(self, positions: Sequence[int], term: SortTerm) -> list[Any]:
        if term.field not in self._columns and _few(positions, self.records):
            return sort_column(self.values(positions, term.field), term.descending)
        return _pick(self.column(term.field).sort_keys(term.descending), positions)

    def append(self, record: Record) -> None:
        self.records.append(record)
        for field, cached in self._columns.items():
            cached.append(column([record], field)[0])

    def position(self, record: Record) -> int:
        """Where the record is: compares references only, in C, never reading a record."""
        return next(compress(count(), map(operator.is_, self.records, repeat(record))))

    def replace(self, position: int, record: Record) -> None:
        """The record at ``position`` was changed (or replaced by ``record``)."""
        self.records[position] = record
        for field, cached in self._columns.items():
            cached.replace(position, column([record], field)[0])

    def remove(self, positions: Sequence[int]) -> None:
        """Remove the records at these ascending positions."""
        self.records = _without(self.records, positions)
        for cached in self._columns.values():
            cached.remove(positions)


# Strings, null and MISSING: no value of one of these types equals a value of another.
_SHAREABLE_KINDS = frozenset((str, type(None), type(MISSING)))


def _shared_strings(values: list[Any], kinds: set[type]) -> list[Any]:
    """The values with equal strings made one object, when strings repeat (a status, a category):
    comparing or hashing them then reads a few objects in the CPU cache, not 100,000 scattered."""
    if str not in kinds or not kinds <= _SHAREABLE_KINDS:
        return values
    head = values[:1000]
    if len(set(head)) * 10 > len(head):
        return values  # mostly distinct (ids, timestamps): nothing to share
    canonical: dict[str, str] = {}
    return list(map(canonical.setdefault, values, values))


def _without(values: list[Any], positions: Sequence[int]) -> list[Any]:
    """The values but those at the ascending positions; copying the slices between them is twice
    as fast as ``compress`` with a mask."""
    kept: list[Any] = []
    start = 0
    for position in positions:
        kept += values[start:position]
        start = position + 1
    kept += values[start:]
    return kept


def _few(positions: Sequence[int], records: list[Record]) -> bool:
    """So few positions that reading their records costs less than a column of them all."""
    return len(positions) * 8 < len(records)


def _pick(values: list[Any], positions: Sequence[int]) -> list[Any]:
    """The values at the positions; the list itself when they are all of them."""
    if positions == range(len(values)):
        return values
    return [values[i] for i in positions]  # faster than ``map(values.__getitem__, ...)``


# --------------------------------------------------------------------------- filters
OPERATORS = ("eq", "ne", "gt", "gte", "lt", "lte", "includes", "excludes")
NULL_TESTS = ("eq", "ne")  # the operators whose null operand tests for null or missing


@dataclass(frozen=True)
class Condition:
    field: str  # "created_at", "updated_at", or a path inside data
    op: str
    operand: Any


def compile_filter(filter_: Mapping[str, Mapping[str, Any]] | None) -> list[Condition]:
    """Check a filter (already valid against the spec's Filter schema) and list its conditions.

    Raises InvalidField for what the schema cannot say (timestamps need ISO 8601 operands).
    """
    conditions = []
    for field, operations in (filter_ or {}).items():
        for op, operand in (operations or {}).items():  # null operations: no constraint
            if operand is None and op not in NULL_TESTS:
                continue  # a null operand of a comparison or a list sets no constraint
            if field in TIMESTAMP_FIELDS and operand is not None:
                operand = _canonical_instants(field, op, operand)
            conditions.append(Condition(field, op, operand))
    return conditions


def _canonical_instants(field: str, op: str, operand: Any) -> Any:
    """Stored timestamps are canonical strings, so canonical operands compare as plain strings."""
    values = operand if isinstance(operand, list) else [operand]
    canonical = []
    for value in values:
        if value is None and isinstance(operand, list):
            canonical.append(None)  # a null list item matches nothing
            continue
        instant = parse_instant(value) if isinstance(value, str) else None
        if instant is None:
            raise InvalidField(
                ("body", "filter", field, op),
                f"{field} is compared as an instant: give an ISO 8601 date-time such as "
                f"'2024-01-01T00:00:00Z', not {value!r}",
                "datetime_parsing",
            )
        canonical.append(format_instant(instant))
    return canonical if isinstance(operand, list) else canonical[0]


# Conditions that usually keep few records run first, so that later ones scan fewer.
_SELECTIVITY = {"eq": 0, "includes": 1, "gt": 2, "gte": 2, "lt": 2, "lte": 2, "ne": 3, "excludes": 3}


def select(view: RecordView, conditions: Sequence[Condition]) -> Sequence[int]:
    """The positions of the view's records meeting every condition, ascending.

    Possibly a list the view keeps (``Column.positions_equal``): read it before the next write to
    the view, never change it.
    """
    positions: Sequence[int] = range(len(view.records))
    for condition in sorted(conditions, key=lambda c: _SELECTIVITY[c.op]):
        if not positions:
            break
        op, operand = condition.op, condition.operand
        timestamp = condition.field in TIMESTAMP_FIELDS
        field = condition.field if timestamp else "data." + condition.field
        values = view.values(positions, field)
        # stored timestamps and their (canonicalised) operands compare as plain strings
        if not _bare_comparison(op, operand, view.kinds(field, values), as_instants=not timestamp):
            positions = list(compress(positions, _test_column(op, values, operand, as_instants=not timestamp)))
        elif op == "eq":
            if isinstance(positions, range):  # all the records: the column may remember the answer
                positions = view.column(field).positions_equal(operand)
            else:
                positions = [positions[i] for i in _indexes_of(values, operand)]
        else:
            positions = _where(op, positions, values, operand)
    return positions


_COMPARISONS = frozenset(("eq", "ne", "gt", "gte", "lt", "lte"))  # those ``_where`` makes
# == is already false between values of different JSON types, except numbers and booleans (True == 1)
_EQUAL_ACROSS_TYPES = {NUMBER_TYPES: BOOLEAN_TYPES, BOOLEAN_TYPES: NUMBER_TYPES, STRING_TYPES: frozenset()}


def _bare_comparison(op: str, operand: Any, kinds: set[type], as_instants: bool) -> bool:
    """Whether Python's own comparison gives the operator's answer for values of these types:
    none of them is of a type the operator must refuse, and the operand is no date-time."""
    types = _same_type_as(operand)
    if op not in _COMPARISONS or type(operand) not in types:
        return False
    if types is STRING_TYPES and as_instants and parse_instant(operand) is not None:
        return False
    return kinds.isdisjoint(_EQUAL_ACROSS_TYPES[types]) if op == "eq" else kinds <= types


def _where(op: str, positions: Sequence[int], values: list[Any], operand: Any) -> list[int]:
    """The positions whose values (``values[i]`` is the one at ``positions[i]``) compare so with the
    operand by Python's own comparison. A comprehension per operator: the interpreter specializes
    its inline comparison, which beats calling ``operator.ge`` through ``map`` by a third."""
    pairs = zip(positions, values)
    if op == "eq":
        return [p for p, v in pairs if v == operand]
    if op == "ne":
        return [p for p, v in pairs if v != operand]
    if op == "gt":
        return [p for p, v in pairs if v > operand]
    if op == "gte":
        return [p for p, v in pairs if v >= operand]
    if op == "lt":
        return [p for p, v in pairs if v < operand]
    if op == "lte":
        return [p for p, v in pairs if v <= operand]
    raise ValueError(f"unknown comparison {op!r}")


def _indexes_of(values: list[Any], operand: Any) -> list[int]:
    """Where the values equal the operand. Few of them: ``list.index`` finds each one in C; many
    (a status shared by a third of the records): one pass of comparisons costs less."""
    if values.count(operand) * 16 > len(values):
        return _where("eq", range(len(values)), values, operand)
    found, index, i = [], values.index, -1
    try:
        while True:
            i = index(operand, i + 1)
            found.append(i)
    except ValueError:
        return found


def _test_column(op: str, values: list[Any], operand: Any, as_instants: bool = True) -> list[bool]:
    if operand is None:  # eq/ne null: the field is null or missing (or not)
        return [(v is None or v is MISSING) is (op == "eq") for v in values]
    if op == "includes":
        return _membership(values, operand)
    if op == "excludes":
        hits = _membership(values, operand)
        return [not hit and v is not MISSING and v is not None for v, hit in zip(values, hits)]
    types = _same_type_as(operand)
    instant = parse_instant(operand) if as_instants and types is STRING_TYPES else None
    if instant is not None:  # two ISO 8601 date-times compare as instants
        values = [parse_instant(v) if type(v) is str else None for v in values]
        operand, types = instant, INSTANT_TYPES
    if op == "eq":
        return [type(v) in types and v == operand for v in values]
    if op == "ne":
        return [type(v) in types and v != operand for v in values]
    if op == "gt":
        return [type(v) in types and v > operand for v in values]
    if op == "gte":
        return [type(v) in types and v >= operand for v in values]
    if op == "lt":
        return [type(v) in types and v < operand for v in values]
    if op == "lte":
        return [type(v) in types and v <= operand for v in values]
    raise ValueError(f"unknown filter operator {op!r}")  # the spec's schema rejects these first


def _membership(values: list[Any], operands: Sequence[Any]) -> list[bool]:
    """Per value: is it (or, for an array, any of its elements) one of the operands?"""
    strings = {v for v in operands if type(v) is str}
    numbers = {v for v in operands if type(v) in NUMBER_TYPES}
    booleans = {v for v in operands if type(v) is bool}

    def hit(v: Any) -> bool:
        kind = type(v)
        if kind is str:
            return v in strings
        if kind is int or kind is float:
            return v in numbers
        if kind is bool:
            return v in booleans
        if kind is list:
            return any(hit(item) for item in v if type(item) is not list)
        return False

    return [hit(v) for v in values]


# --------------------------------------------------------------------------- sorting
@dataclass(frozen=True)
class SortTerm:
    field: str  # a column name understood by the caller's ``column`` function
    descending: bool


def parse_order_by(
    order_by: str | None,
    *,
    default: str,
    resolve: Callable[[str], str | None],
    hint: str,
    loc: tuple = ("body", "order_by"),
) -> list[SortTerm]:
    """Parse ``"data.name desc, created_at"``; ``resolve`` maps a written field to a column or None."""
    text = order_by if order_by and order_by.strip() else default
    terms = []
    for raw in text.split(","):
        words = raw.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise InvalidField(loc, f"cannot read sort term {raw.strip()!r}: write '<field> [asc|desc]'; {hint}")
        field = resolve(words[0])
        if field is None:
            raise InvalidField(loc, f"cannot sort by {words[0]!r}: {hint}")
        terms.append(SortTerm(field, len(words) == 2 and words[1].lower() == "desc"))
    return terms


def record_sort_field(field: str) -> str | None:
    """The column of a sort field of stored records, or None when the field is not sortable: a bare
    name other than the top-level ones is a path inside data."""
    if field in TOP_LEVEL_SORT_FIELDS or (field.startswith("data.") and len(field) > 5):
        return field
    return None if field.startswith("data.") or field == "data" else "data." + field


RECORD_SORT_HINT = "sort by created_at, updated_at, id or a path inside data (data.<path>, or the path alone)"


@lru_cache(maxsize=256)
def record_sort_terms(order_by: str | None) -> tuple[SortTerm, ...]:
    """The sort terms of a search's order_by (default: newest first), parsed once: a client sends
    the same few orders again and again. Errors are not cached, so they are raised each time."""
    return tuple(parse_order_by(order_by, default="created_at desc", resolve=record_sort_field, hint=RECORD_SORT_HINT))


def _sort_key(value: Any, descending: bool) -> tuple:
    if value is MISSING:
        return (-1 if descending else 9, 0)  # missing values last in either direction
    rank = _type_rank(value)
    if rank >= 4:
        return (rank, orjson.dumps(value, option=orjson.OPT_SORT_KEYS) if rank < 6 else b"")
    return (rank, value)


def sort_column(values: list[Any], descending: bool) -> list[Any]:
    """Values as sort keys: themselves when all are strings or all numbers, else ranked tuples."""
    kinds = set(map(type, values))
    if kinds <= STRING_TYPES or kinds <= NUMBER_TYPES:
        return values
    return [_sort_key(v, descending) for v in values]


def sort_items(
    items: list,
    terms: Sequence[SortTerm],
    sort_keys: Callable[[list, SortTerm], list[Any]],
    ids: Callable[[], list[Any]],
) -> list:
    """Items sorted by the terms, ties broken by id (``ids()[i]`` is the id of ``items[i]``, asked
    for only when the terms leave ties).

    ``sort_keys(items, term)`` gives the items' keys for one term, as ``sort_column`` makes them.
    Sorts positions, one stable pass per term from the least significant, keyed by a column:
    no tuple per item is built, which keeps the garbage collector out of large sorts.
    """
    if len(items) < 2:
        return items
    passes = []
    for term in terms:
        key = sort_keys(items, term)
        passes.append((key, term.descending))
        if len(set(key)) == len(items):
            break  # no ties left: later terms and the id tie-break cannot change the order
    else:
        passes.append((ids(), False))
    order = list(range(len(items)))
    for key, descending in reversed(passes):
        order.sort(key=key.__getitem__, reverse=descending)
    return [items[i] for i in order]


def sort_positions(
    view: RecordView, positions: Sequence[int], terms: Sequence[SortTerm], limit: int | None = None
) -> list[int]:
    """The positions in the terms' order, ties broken by id; only the first ``limit`` when given."""
    if limit is not None:
        if limit <= 0:
            return []
        if terms and limit < len(positions):
            positions = _leaders(view, positions, terms[0], limit)
    items = list(positions)
    records = view.records
    # few, as a rule: cheaper than a column of them all
    ordered = sort_items(items, terms, view.sort_keys, lambda: [records[i]["id"] for i in items])
    return ordered if limit is None else ordered[:limit]


_SORT_RATHER_THAN_HEAP = 4096


def _leaders(view: RecordView, positions: Sequence[int], first: SortTerm, limit: int) -> Sequence[int]:
    """The positions whose key for the first term is as good as the ``limit``-th best one or better,
    in no particular order.

    They hold the first ``limit`` of the full order, so sorting them is enough.
    """
    keyed = view.column(first.field)
    if keyed.ascending:
        ordered, keys = positions, keyed.values  # positions ascend, so their keys do too
    elif limit * 4 > len(positions):
        return positions  # most of them anyway: a full sort costs less than a large heap
    elif len(positions) <= _SORT_RATHER_THAN_HEAP:
        # a sort in C beats heapq's loop in Python on few keys; sorting the positions (not their
        # keys) leaves the leaders at one end, with no second pass to find them
        keys = keyed.sort_keys(first.descending)
        ordered = sorted(positions, key=keys.__getitem__)
    else:
        keys = view.sort_keys(positions, first)
        best = heapq.nlargest if first.descending else heapq.nsmallest
        threshold = best(limit, keys)[-1]
        return _where("gte" if first.descending else "lte", positions, keys, threshold)
    # ``ordered`` ascends by key: the leaders are at one end, up to the last tie of the limit-th
    if first.descending:
        return ordered[bisect_left(ordered, keys[ordered[-limit]], key=keys.__getitem__) :]
    return ordered[: bisect_right(ordered, keys[ordered[limit - 1]], key=keys.__getitem__)]


# --------------------------------------------------------------------------- requests
@dataclass(frozen=True)
class Query:
    """What a search, an aggregate or a delete-by-query asks for, beside its scope."""

    filter: Mapping[str, Mapping[str, Any] | None] | None = None
    order_by: str | None = None
    offset: int | None = None
    page_size: int | None = None
    page_token: str | None = None
    include_total: bool | None = None


# --------------------------------------------------------------------------- pagination
@dataclass(frozen=True)
class Page:
    offset: int
    size: int


def page_request(offset: int | None, page_size: int | None, page_token: str | None) -> Page:
    """Where the page starts and how long it is; a page_token wins over offset."""
    size = DEFAULT_PAGE_SIZE if page_size is None else min(page_size, MAX_PAGE_SIZE)
    start = decode_page_token(page_token) if page_token else (offset or 0)
    return Page(start, size)


def encode_page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def decode_page_token(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        kind, _, number = text.partition(":")
        if kind == "offset" and number.isdigit():
            return int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise InvalidField(
        ("body", "page_token"),
        "page_token is not one this server issued: pass the next_page_token of the previous page unchanged",
    )


def paginate(items: list, page: Page, include_total: bool | None, total: int | None = None) -> dict[str, Any]:
    """The paginated response body: items, next_page_token (null on the last page), total_size.

    ``items`` are all the items in order, or only the first ``page.offset + page.size`` of the
    ``total`` there are.
    """
    end = page.offset + page.size
    total = len(items) if total is None else total
    body: dict[str, Any] = {
        "items": items[page.offset : end],
        "next_page_token": encode_page_token(end) if end < total else None,
    }
    if include_total:
        body["total_size"] = total
    return body
