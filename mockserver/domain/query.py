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
  ``desc``; values of different JSON types order as number < string < boolean < array < object,
  missing values come last in either direction, and ties are broken by id.
"""

from __future__ import annotations

import base64
import binascii
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

import orjson

from mockserver.domain.clock import format_instant
from mockserver.domain.errors import InvalidField

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
TIMESTAMP_FIELDS = ("created_at", "updated_at")
MISSING = object()

Record = Mapping[str, Any]
Predicate = Callable[[Record], bool]


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
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


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


def path_getter(path: str) -> Callable[[Any], Any]:
    """A function reading a dot path from a JSON value; MISSING when any step is absent."""
    parts = path.split(".")

    if len(parts) == 1:
        key = parts[0]

        def get_one(value: Any) -> Any:
            return value.get(key, MISSING) if type(value) is dict else MISSING

        return get_one

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


# --------------------------------------------------------------------------- filters
_ORDERINGS = {"gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}
OPERATORS = ("eq", "ne", "gt", "gte", "lt", "lte", "includes", "excludes")


def _comparison(op: str, operand: Any) -> Callable[[Any], bool]:
    """A test of one field value against one operand; never raises."""
    rank = _type_rank(operand)
    instant = parse_instant(operand) if rank == 2 else None
    if instant is not None:  # an ISO date-time: compare instants when the field holds one too

        def key(value: Any) -> Any:
            return parse_instant(value) if type(value) is str else None

        operand_key = instant
    else:

        def key(value: Any) -> Any:
            return value if _type_rank(value) == rank else None

        operand_key = operand

    if op in ("eq", "ne"):
        want = op == "eq"

        def test_equality(value: Any) -> bool:
            k = key(value)
            return k is not None and (k == operand_key) is want

        return test_equality

    compare = _ORDERINGS[op]

    def test_order(value: Any) -> bool:
        k = key(value)
        return k is not None and compare(k, operand_key)

    return test_order


def _hashable(value: Any) -> Any:
    """Equality key that keeps JSON types apart (True is not 1) and treats 1 and 1.0 alike."""
    rank = _type_rank(value)
    if rank in (1, 2, 3):
        return (rank, value)
    return (rank, orjson.dumps(value, option=orjson.OPT_SORT_KEYS))


def _membership(op: str, operands: Sequence[Any]) -> Callable[[Any], bool]:
    wanted = frozenset(_hashable(v) for v in operands)
    include = op == "includes"

    def test_membership(value: Any) -> bool:
        if value is MISSING or value is None:
            return False
        if type(value) is list:
            hit = any(_hashable(v) in wanted for v in value)
        else:
            hit = _hashable(value) in wanted
        return hit is include

    return test_membership


def _canonical_instants(field: str, op: str, operand: Any) -> Any:
    """The canonical timestamp string(s) for a created_at/updated_at operand, or InvalidField."""
    values = operand if isinstance(operand, list) else [operand]
    canonical = []
    for value in values:
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


def _string_comparison(op: str, operand: str) -> Callable[[Any], bool]:
    if op == "eq":
        return lambda value: value == operand
    if op == "ne":
        return lambda value: type(value) is str and value != operand
    compare = _ORDERINGS[op]
    return lambda value: type(value) is str and compare(value, operand)


def compile_filter(filter_: Mapping[str, Mapping[str, Any]] | None) -> Predicate | None:
    """One predicate over stored records for the whole filter (None: everything matches).

    ``filter_`` has been validated against the spec's Filter schema (known operators only).
    """
    if not filter_:
        return None
    tests: list[tuple[Callable[[Record], Any], Callable[[Any], bool]]] = []
    for field, operations in filter_.items():
        if field in TIMESTAMP_FIELDS:
            get_value = operator.itemgetter(field)
        else:
            in_data = path_getter(field)

            def get_value(record: Record, in_data=in_data) -> Any:
                return in_data(record["data"])

        for op, operand in operations.items():
            if operand is None:
                continue  # an explicit null operand sets no constraint (the 0.1.x SDK sends them)
            if field in TIMESTAMP_FIELDS:
                operand = _canonical_instants(field, op, operand)
                # stored timestamps are canonical strings: plain string order is instant order
                test = _membership(op, operand) if op in ("includes", "excludes") else _string_comparison(op, operand)
            elif op in ("includes", "excludes"):
                test = _membership(op, operand)
            else:
                test = _comparison(op, operand)
            tests.append((get_value, test))

    if not tests:
        return None
    if len(tests) == 1:
        (get_value, test), = tests
        return lambda record: test(get_value(record))

    def matches(record: Record) -> bool:
        for get_value, test in tests:
            if not test(get_value(record)):
                return False
        return True

    return matches


# --------------------------------------------------------------------------- sorting
@dataclass(frozen=True)
class SortTerm:
    field: str  # as written: "created_at" or "data.name"
    descending: bool
    get: Callable[[Record], Any]


def parse_order_by(
    order_by: str | None,
    *,
    default: str,
    resolve: Callable[[str], Callable[[Record], Any] | None],
    loc: tuple = ("body", "order_by"),
    hint: str,
) -> list[SortTerm]:
    """Parse ``"data.name desc, created_at"``; ``resolve`` maps a field to a getter or None."""
    text = order_by if order_by and order_by.strip() else default
    terms = []
    for raw in text.split(","):
        words = raw.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise InvalidField(loc, f"cannot read sort term {raw.strip()!r}: write '<field> [asc|desc]', {hint}", "value_error")
        getter = resolve(words[0])
        if getter is None:
            raise InvalidField(loc, f"cannot sort by {words[0]!r}: {hint}", "value_error")
        terms.append(SortTerm(words[0], len(words) == 2 and words[1].lower() == "desc", getter))
    return terms


def record_field(field: str) -> Callable[[Record], Any] | None:
    """Getter for a sort field of a stored record, or None when the field is not sortable."""
    if field in ("created_at", "updated_at", "id"):
        return operator.itemgetter(field)
    if field.startswith("data.") and len(field) > 5:
        in_data = path_getter(field[5:])
        return lambda record: in_data(record["data"])
    return None


RECORD_SORT_HINT = "sort by created_at, updated_at, id or data.<path> (data fields need the 'data.' prefix)"


def _sort_key(value: Any, descending: bool) -> tuple:
    if value is MISSING:
        return (-1 if descending else 9, 0)  # missing values last in either direction
    rank = _type_rank(value)
    if rank >= 4:
        return (rank, orjson.dumps(value, option=orjson.OPT_SORT_KEYS))
    return (rank, value if rank != 6 else 0)


def sort_records(records: list[Record], terms: Sequence[SortTerm], id_of: Callable[[Record], str]) -> list[Record]:
    """Sort by the terms, ties broken by id; one pass when all terms share a direction."""
    if all(t.descending == terms[0].descending for t in terms):
        descending = terms[0].descending
        getters = [t.get for t in terms]
        if len(getters) == 1:
            get = getters[0]
            records.sort(key=lambda r: (_sort_key(get(r), descending), id_of(r)), reverse=descending)
        else:
            records.sort(
                key=lambda r: (tuple(_sort_key(g(r), descending) for g in getters), id_of(r)),
                reverse=descending,
            )
        return records
    records.sort(key=id_of)  # least significant first; list.sort is stable, also with reverse=True
    for term in reversed(terms):
        records.sort(key=lambda r, t=term: _sort_key(t.get(r), t.descending), reverse=term.descending)
    return records


# --------------------------------------------------------------------------- pagination
@dataclass(frozen=True)
class Page:
    offset: int
    size: int


def page_request(offset: int | None, page_size: int | None, page_token: str | None) -> Page:
    """Where the page starts and how long it is; a page_token wins over offset."""
    size = DEFAULT_PAGE_SIZE if page_size is None else min(page_size, MAX_PAGE_SIZE)
    start = offset or 0
    if page_token:
        start = decode_page_token(page_token)
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
        "value_error",
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


def select(records: Iterable[Record], predicate: Predicate | None) -> list[Record]:
    return list(records) if predicate is None else [r for r in records if predicate(r)]
