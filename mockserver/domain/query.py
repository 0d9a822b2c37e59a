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
* sort terms are ``created_at``, ``updated_at``, ``id`` or ``data.<path>``, each ``asc`` or
  ``desc``; values of different JSON types order as number < string < boolean < array < object
  < null, missing values come last in either direction, and ties are broken by id.

Speed: 100,000 records must be searched in well under 100 ms in pure Python, so filters and sort
keys are evaluated a column at a time (one list comprehension per operator, no function call per
record) and sorting compares plain tuples in C.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from itertools import compress
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
@lru_cache(maxsize=65536)
def parse_instant(text: str) -> datetime | None:
    """An aware datetime for an ISO 8601 date or date-time string (naive means UTC), else None."""
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


# --------------------------------------------------------------------------- filters
OPERATORS = ("eq", "ne", "gt", "gte", "lt", "lte", "includes", "excludes")


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
            if operand is None:
                continue  # an explicit null operand sets no constraint (the 0.1.x SDK sends them)
            if field in TIMESTAMP_FIELDS:
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


def apply_filter(records: list[Record], conditions: Sequence[Condition]) -> list[Record]:
    """The records meeting every condition, in their original order."""
    conditions = sorted(conditions, key=lambda c: _SELECTIVITY[c.op])
    for field in dict.fromkeys(c.field for c in conditions):
        values = column(records, field if field in TIMESTAMP_FIELDS else "data." + field)
        for condition in conditions:
            if condition.field != field:
                continue
            # stored timestamps and their (canonicalised) operands compare as plain strings
            as_instants = field not in TIMESTAMP_FIELDS
            mask = _test_column(condition.op, values, condition.operand, as_instants)
            records = list(compress(records, mask))
            values = list(compress(values, mask))
    return records


def _test_column(op: str, values: list[Any], operand: Any, as_instants: bool = True) -> list[bool]:
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
    """The column of a sort field of stored records, or None when the field is not sortable."""
    if field in TOP_LEVEL_SORT_FIELDS or (field.startswith("data.") and len(field) > 5):
        return field
    return None


RECORD_SORT_HINT = "sort by created_at, updated_at, id or data.<path> (data fields need the 'data.' prefix)"


def _sort_key(value: Any, descending: bool) -> tuple:
    if value is MISSING:
        return (-1 if descending else 9, 0)  # missing values last in either direction
    rank = _type_rank(value)
    if rank >= 4:
        return (rank, orjson.dumps(value, option=orjson.OPT_SORT_KEYS) if rank < 6 else b"")
    return (rank, value)


def _sort_column(values: list[Any], descending: bool) -> list[Any]:
    """Values as sort keys: themselves when all are strings or all numbers, else ranked tuples."""
    kinds = set(map(type, values))
    if kinds <= STRING_TYPES or kinds <= NUMBER_TYPES:
        return values
    return [_sort_key(v, descending) for v in values]


def sort_items(
    items: list, terms: Sequence[SortTerm], get_column: Callable[[list, str], list[Any]], ids: list[Any]
) -> list:
    """Items sorted by the terms, ties broken by id (``ids[i]`` is the id of ``items[i]``).

    Sorts positions, one stable pass per term from the least significant, keyed by a column:
    no tuple per item is built, which keeps the garbage collector out of large sorts.
    """
    if len(items) < 2:
        return items
    passes = []
    for term in terms:
        key = _sort_column(get_column(items, term.field), term.descending)
        passes.append((key, term.descending))
        if len(set(key)) == len(items):
            break  # no ties left: later terms and the id tie-break cannot change the order
    else:
        passes.append((ids, False))
    order = list(range(len(items)))
    for key, descending in reversed(passes):
        order.sort(key=key.__getitem__, reverse=descending)
    return [items[i] for i in order]


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


def paginate(items: list, page: Page, include_total: bool | None) -> dict[str, Any]:
    """The paginated response body: items, next_page_token (null on the last page), total_size."""
    end = page.offset + page.size
    body: dict[str, Any] = {
        "items": items[page.offset : end],
        "next_page_token": encode_page_token(end) if end < len(items) else None,
    }
    if include_total:
        body["total_size"] = len(items)
    return body
