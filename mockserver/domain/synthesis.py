"""Extraction results: data that validates against the data_schema, from the file when it can. No HTTP.

``extract(content, schema, target)`` returns the extracted data and its per-field metadata:

* values the file carries are used when they fit the field's schema: a JSON document is walked
  by property names; text is read as ``key: value`` (or ``key = value``) lines, a key matching a
  property's name, title or dotted path, case and punctuation ignored (``Invoice Number: 7``
  fills ``invoice_number``). Strings are coerced to numbers, booleans and enums where they read
  as such;
* every other field gets a synthesized value that satisfies its schema (types, formats, enums,
  ``const``, bounds, ``multipleOf``, lengths, ``pattern``, array sizes, ``required``, nullable
  types (``["string", "null"]``, ``anyOf`` with ``{"type": "null"}``), ``anyOf``/``oneOf``/``allOf``,
  local ``$ref`` including recursive ones). OpenAPI's ``nullable: true`` is not JSON Schema and
  allows no null here;
* the result is deterministic: randomness is seeded by the file's bytes, the schema and the
  field's path, so the same file and schema always give the same data;
* ``field_metadata`` mirrors the data (objects as dicts, arrays as lists) with, for each leaf,
  a ``confidence`` (0.90-0.99 for a value found in the file, 0.30-0.60 for a synthesized one),
  ``extraction_confidence``, ``reasoning`` and ``citation`` (``[{page, matching_text}]`` where
  the value was found, ``[]`` otherwise): the shape ExtractedData.from_extraction_result reads.

Targets: PER_DOC gives one object; PER_PAGE one per page (pages are separated by form feeds);
PER_TABLE_ROW one per row (elements of a top-level JSON array, CSV rows, or text blocks
separated by blank lines).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import ipaddress
import math
import random
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

try:  # Python 3.11+
    import re._parser as sre_parse  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover
    import sre_parse  # type: ignore[no-redef]

import orjson
from jsonschema import FormatChecker

from mockserver.domain.schemas import resolve_pointer, validator_class

MISSING: Any = object()
MAX_DEPTH = 12  # nesting at which recursive schemas stop growing (only required fields, no optional items)
HARD_DEPTH = 2 * MAX_DEPTH  # nesting at which objects and arrays are left empty
REF_REPEAT = 1  # times one $ref may appear on the current path before recursion is cut short

PER_DOC, PER_PAGE, PER_TABLE_ROW = "PER_DOC", "PER_PAGE", "PER_TABLE_ROW"


# --------------------------------------------------------------------------- formats
def _is_datetime(value: str) -> bool:
    if "T" not in value.upper() or not re.search(r"(Z|[+-]\d\d:\d\d)$", value, re.I):
        return False
    try:
        dt.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _is_time(value: str) -> bool:
    return re.fullmatch(r"\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?", value, re.I) is not None


def _is_uri(value: str) -> bool:
    parsed = urlparse(value)
    return (
        bool(parsed.scheme) and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", parsed.scheme) is not None and " " not in value
    )


def _is_hostname(value: str) -> bool:
    label = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    return len(value) <= 253 and re.fullmatch(rf"{label}(?:\.{label})*", value) is not None


def _is_duration(value: str) -> bool:
    return re.fullmatch(r"P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?", value) is not None


def format_checker() -> FormatChecker:
    """jsonschema's format checks, plus the ones it leaves to optional packages."""
    checker = FormatChecker()
    for name, check in {
        "date-time": _is_datetime,
        "time": _is_time,
        "uri": _is_uri,
        "url": _is_uri,
        "iri": _is_uri,
        "hostname": _is_hostname,
        "duration": _is_duration,
    }.items():
        checker.checks(name)(lambda value, check=check: not isinstance(value, str) or check(value))
    return checker


FORMAT_CHECKER = format_checker()


# --------------------------------------------------------------------------- sources
def normalize(key: str) -> str:
    return re.sub(r"[^0-9a-z]", "", key.lower())


@dataclass(frozen=True)
class Found:
    value: Any  # a JSON value (JSON documents) or a string (text)
    page: int
    text: str  # the matching text of the citation


KEY_VALUE_LINE = re.compile(r"^\s*(?:[-*\u2022]\s*)?([A-Za-z][\w .()/'-]{0,80}?)\s*[:=]\s*(.*?)\s*$")


@dataclass
class Source:
    """What one segment of a file (the document, a page, a row) carries."""

    node: Any = MISSING  # the JSON value of the segment, when it is JSON
    lines: dict[str, list[Found]] = field(default_factory=dict)  # normalized key -> values, in order

    @classmethod
    def from_text(cls, text: str, first_page: int = 1) -> Source:
        source = cls()
        for page, page_text in enumerate(text.split("\f"), start=first_page):
            for line in page_text.splitlines():
                match = KEY_VALUE_LINE.match(line)
                if match and match.group(2) and not match.group(2).startswith("//"):
                    found = Found(match.group(2), page, line.strip())
                    source.lines.setdefault(normalize(match.group(1)), []).append(found)
        return source

    def lookup(self, keys: list[str]) -> list[Found]:
        for key in keys:
            values = self.lines.get(key)
            if values:
                return values
        return []


def _decode(content: bytes) -> str:
    text = content.decode("utf-8", errors="replace")
    return "".join(ch for ch in text if ch.isprintable() or ch in "\n\r\t\f")


def _json_document(content: bytes) -> Any:
    stripped = content.strip()
    if stripped[:1] not in (b"{", b"["):
        return MISSING
    try:
        return orjson.loads(stripped)
    except orjson.JSONDecodeError:
        return MISSING


def _csv_rows(text: str) -> list[dict[str, str]] | None:
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2 or "," not in lines[0]:
        return None
    rows = list(csv.reader(lines))
    header = [h.strip() for h in rows[0]]
    if len(set(header)) != len(header) or any(len(r) != len(header) for r in rows[1:]):
        return None
    return [dict(zip(header, (v.strip() for v in r))) for r in rows[1:]]


def segments(content: bytes, target: str) -> list[Source]:
    """The parts of a file that each give one extracted object, for an extraction target."""
    document = _json_document(content)
    if document is not MISSING:
        if target == PER_TABLE_ROW and isinstance(document, list) and document:
            return [Source(node=row) for row in document]
        if isinstance(document, list):
            document = next((row for row in document if isinstance(row, dict)), MISSING)
        return [Source(node=document)]
    text = _decode(content)
    if target == PER_PAGE:
        return [Source.from_text(page, first_page=number) for number, page in enumerate(text.split("\f"), start=1)]
    if target == PER_TABLE_ROW:
        rows = _csv_rows(text)
        if rows:
            return [Source(node=row) for row in rows]
        blocks = [b for b in re.split(r"\n\s*\n", text) if b.strip()]
        return [Source.from_text(block) for block in blocks] or [Source.from_text(text)]
    return [Source.from_text(text)]


# --------------------------------------------------------------------------- values
NAMES_FIRST = ["Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Robin", "Jamie"]
NAMES_LAST = ["Smith", "Garcia", "Chen", "Miller", "Okafor", "Rossi", "Novak", "Silva"]
COMPANIES = ["Acme Corp", "Globex Ltd", "Initech", "Umbrella GmbH", "Stark Industries", "Wayne Enterprises"]
CITIES = ["Paris", "Berlin", "Lisbon", "Toronto", "Osaka", "Nairobi", "Austin"]
COUNTRIES = ["France", "Germany", "Portugal", "Canada", "Japan", "Kenya", "United States"]
CURRENCIES = ["USD", "EUR", "GBP", "JPY", "CAD"]
WORDS = ["alpha", "bravo", "delta", "harbor", "lumen", "orbit", "quartz", "river", "summit", "vertex", "cedar", "nova"]

TRUE_WORDS = {"true", "yes", "y", "on", "1", "x", "checked"}
FALSE_WORDS = {"false", "no", "n", "off", "0", "unchecked"}
NULL_WORDS = {"null", "none", "n/a", "na", "-", ""}
NUMBER_TEXT = re.compile(r"[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][+-]?\d+)?")


def _parse_number(text: str) -> float | int | None:
    cleaned = text.strip().strip("$€£¥%").strip()
    for code in CURRENCIES:
        cleaned = cleaned.removeprefix(code).removesuffix(code).strip()
    if not cleaned or not any(ch.isdigit() for ch in cleaned) or not NUMBER_TEXT.fullmatch(cleaned):
        return None
    cleaned = cleaned.replace(",", "")
    number = float(cleaned)
    if not math.isfinite(number):
        return None
    return int(number) if re.fullmatch(r"[+-]?\d+", cleaned) else number


def _types(schema: dict[str, Any]) -> list[str]:
    declared = schema.get("type")
    if isinstance(declared, str):
        types = [declared]
    elif isinstance(declared, list):
        types = list(declared)
    elif "const" in schema:
        types = [_json_type(schema["const"])]
    elif "enum" in schema:
        types = list(dict.fromkeys(_json_type(v) for v in schema["enum"]))
    elif "properties" in schema or "additionalProperties" in schema or "required" in schema:
        types = ["object"]
    elif "items" in schema or "prefixItems" in schema:
        types = ["array"]
    else:
        types = ["string"]
    return types


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _coerce_scalar(value: Any, json_type: str) -> Any:
    """``value`` read as the JSON type, or MISSING."""
    if json_type == "string":
        if isinstance(value, str):
            return value.strip()
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        return MISSING
    if json_type in ("integer", "number"):
        if isinstance(value, bool):
            return MISSING
        number = _parse_number(value) if isinstance(value, str) else value if isinstance(value, (int, float)) else None
        if number is None:
            return MISSING
        if json_type == "integer":
            return int(number) if float(number).is_integer() else MISSING
        return number
    if json_type == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
            return value.strip().lower() in TRUE_WORDS
        return MISSING
    if json_type == "null":
        if value is None or (isinstance(value, str) and value.strip().lower() in NULL_WORDS):
            return None
        return MISSING
    return MISSING


# --------------------------------------------------------------------------- regex patterns
def _pattern_text(pattern: str, rng: random.Random) -> str | None:
    try:
        parsed = sre_parse.parse(pattern)
    except Exception:
        return None
    groups: dict[int, str] = {}

    def pick_in(items) -> str:
        negate = any(op == sre_parse.NEGATE for op, _ in items)
        allowed: list[str] = []
        for op, arg in items:
            if op == sre_parse.LITERAL:
                allowed.append(chr(arg))
            elif op == sre_parse.RANGE:
                allowed.extend(chr(c) for c in range(arg[0], min(arg[1], arg[0] + 50) + 1))
            elif op == sre_parse.CATEGORY:
                allowed.extend(_category(arg))
        if negate:
            pool = [c for c in "abcxyzABC0129 _-" if c not in allowed]
            return rng.choice(pool) if pool else "?"
        return rng.choice(allowed) if allowed else "a"

    def emit(items) -> str:
        out = []
        for op, arg in items:
            if op == sre_parse.LITERAL:
                out.append(chr(arg))
            elif op == sre_parse.NOT_LITERAL:
                out.append("a" if chr(arg) != "a" else "b")
            elif op == sre_parse.ANY:
                out.append("x")
            elif op == sre_parse.IN:
                out.append(pick_in(arg))
            elif op in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT, getattr(sre_parse, "POSSESSIVE_REPEAT", None)):
                low, high, sub = arg
                high = low + 3 if high == sre_parse.MAXREPEAT else high
                out.extend(emit(sub) for _ in range(rng.randint(low, max(low, min(high, low + 3)))))
            elif op == sre_parse.SUBPATTERN:
                group, sub = arg[0], arg[-1]
                text = emit(sub)
                if group:
                    groups[group] = text
                out.append(text)
            elif op == getattr(sre_parse, "ATOMIC_GROUP", None):
                out.append(emit(arg))
            elif op == sre_parse.BRANCH:
                out.append(emit(rng.choice(arg[1])))
            elif op == sre_parse.GROUPREF:
                out.append(groups.get(arg, ""))
            elif op == sre_parse.CATEGORY:
                out.append(rng.choice(_category(arg)))
            # AT (anchors), ASSERT, ASSERT_NOT: nothing to emit
        return "".join(out)

    try:
        text = emit(parsed)
    except Exception:
        return None
    return text if re.search(pattern, text) else None


def _category(category) -> list[str]:
    name = str(category)
    if "DIGIT" in name:
        return list("0123456789") if "NOT" not in name else list("abcxyz")
    if "SPACE" in name:
        return [" "] if "NOT" not in name else list("abcxyz")
    if "WORD" in name:
        return list("abcdefghijklmnopqrstuvwxyz0123456789") if "NOT" not in name else list("-. ")
    return list("abc")


# --------------------------------------------------------------------------- synthesis
@dataclass
class Extraction:
    """The result for one file: data, its field metadata, and its number of pages."""

    data: Any
    field_metadata: Any
    pages: int = 1

    @property
    def found(self) -> int:
        """How many leaf values come from the file (the others are synthesized)."""
        return sum(1 for leaf in iter_leaves(self.field_metadata) if leaf["citation"])

    @property
    def synthesized(self) -> int:
        return sum(1 for leaf in iter_leaves(self.field_metadata) if not leaf["citation"])


EMPTY_SOURCE = Source()


class _Synthesizer:
    def __init__(self, schema: dict[str, Any], seed: bytes):
        self.root = schema
        cls = validator_class(schema)
        self.validator = cls(schema, format_checker=FORMAT_CHECKER)
        self.seed = seed

    # -- helpers
    def rng(self, path: tuple, salt: str = "") -> random.Random:
        digest = hashlib.sha256(self.seed + "/".join(map(str, path)).encode() + salt.encode()).digest()
        return random.Random(int.from_bytes(digest[:8], "big"))

    def valid(self, value: Any, schema: Any) -> bool:
        return self.validator.evolve(schema=schema).is_valid(value)

    def resolve(self, schema: Any, refs: tuple[str, ...]) -> tuple[dict[str, Any], tuple[str, ...]]:
        """The schema with $ref followed and allOf merged; refs: the $refs on the current path."""
        if schema is True or not isinstance(schema, dict):
            return {}, refs
        while "$ref" in schema:
            ref = schema["$ref"]
            if refs.count(ref) > HARD_DEPTH:  # a reference to itself: {"$ref": "#"} under "#"
                return {}, refs
            target = resolve_pointer(self.root, ref)
            refs = (*refs, ref)
            siblings = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**target, **siblings} if siblings else target
            if not isinstance(schema, dict):
                return {}, refs
        if "allOf" in schema:
            merged = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                part, refs = self.resolve(part, refs)
                for key, value in part.items():
                    if key == "properties":
                        merged["properties"] = {**value, **merged.get("properties", {})}
                    elif key == "required":
                        merged["required"] = list(dict.fromkeys([*merged.get("required", []), *value]))
                    else:
                        merged.setdefault(key, value)
            schema = merged
        return schema, refs

    def leaf_meta(self, path: tuple, found: Found | None) -> dict[str, Any]:
        rng = self.rng(path, "#confidence")
        if found is not None:
            confidence = round(0.90 + rng.random() * 0.09, 3)
            return {
                "confidence": confidence,
                "extraction_confidence": confidence,
                "reasoning": "VERBATIM EXTRACTION",
                "citation": [{"page": found.page, "matching_text": found.text}],
            }
        confidence = round(0.30 + rng.random() * 0.30, 3)
        return {
            "confidence": confidence,
            "extraction_confidence": confidence,
            "reasoning": "SYNTHESIZED: the file does not carry this value (llamacloud-mock)",
            "citation": [],
        }

    # -- the walk
    def value(self, schema: Any, path: tuple, source: Source, node: Any, refs: tuple = ()) -> tuple[Any, Any]:
        """(value, field metadata) for ``schema`` at ``path``; ``node``: the JSON found there, if any."""
        schema, refs = self.resolve(schema, refs)
        too_deep = len(path) > MAX_DEPTH or any(refs.count(r) > REF_REPEAT for r in refs)
        for branch_key in ("oneOf", "anyOf"):
            if branch_key in schema:
                return self.branch(schema, branch_key, path, source, node, refs, too_deep)
        types = _types(schema)
        if too_deep and "null" in types:
            return None, self.leaf_meta(path, None)
        if "object" in types and "const" not in schema and "enum" not in schema:
            return self.object(schema, path, source, node, refs, too_deep)
        if "array" in types and "const" not in schema and "enum" not in schema:
            return self.array(schema, path, source, node, refs, too_deep)
        return self.scalar(schema, types, path, source, node)

    def branch(self, schema, key, path, source, node, refs, too_deep) -> tuple[Any, Any]:
        base = {k: v for k, v in schema.items() if k != key}
        options = [option if isinstance(option, dict) else {} for option in schema[key]]
        non_null = [o for o in options if _types(self.resolve(o, refs)[0]) != ["null"]]
        nullable = len(non_null) < len(options)
        recursing = all(refs.count(o.get("$ref")) >= REF_REPEAT for o in non_null)  # each option re-enters a $ref
        if nullable and (too_deep or recursing):
            return None, self.leaf_meta(path, None)
        attempts = non_null or options
        fallback = None
        for option in attempts:
            merged = {**base, **option}  # unresolved: value() follows its $ref and counts it on the path
            value, meta = self.value(merged, path, source, node, refs)
            if self.valid(value, schema):
                return value, meta
            fallback = fallback or (value, meta)
        if nullable:
            return None, self.leaf_meta(path, None)
        return fallback

    def object(self, schema, path, source, node, refs, too_deep) -> tuple[dict, dict]:
        properties = schema.get("properties") or {}
        required = [r for r in schema.get("required", []) if isinstance(r, str)]
        names = list(properties) if not too_deep else [name for name in properties if name in required]
        if len(path) > HARD_DEPTH:
            names, required = [], []
        data: dict[str, Any] = {}
        meta: dict[str, Any] = {}
        for name in names:
            child = _child(node, name)
            data[name], meta[name] = self.value(properties[name], (*path, name), source, child, refs)
        extra = schema.get("additionalProperties", True)
        for name in required:
            if name not in data and extra is not False:
                child_schema = extra if isinstance(extra, dict) else {"type": "string"}
                data[name], meta[name] = self.value(child_schema, (*path, name), source, _child(node, name), refs)
        return data, meta

    def array(self, schema, path, source, node, refs, too_deep) -> tuple[list, list]:
        prefix = schema.get("prefixItems") or (schema["items"] if isinstance(schema.get("items"), list) else [])
        items = schema.get("items") if isinstance(schema.get("items"), dict) else (schema.get("additionalItems") or {})
        if schema.get("items") is False:
            items = None
        min_items = int(schema.get("minItems", 0))
        max_items = schema.get("maxItems")
        rng = self.rng(path, "#length")

        found_nodes: list[Any] = []
        if isinstance(node, list):
            found_nodes = node
        elif node is MISSING and items is not None and not prefix:
            found_nodes = self.text_items(items, path, source, refs)
        if len(path) > HARD_DEPTH:
            count = 0
        elif found_nodes:
            count = max(min_items, len(found_nodes))
        elif too_deep:
            count = min_items
        else:
            count = rng.randint(max(min_items, 1), max(min_items, 1) + 2)
        if max_items is not None:
            count = min(count, int(max_items))
        if items is None:
            count = min(count, len(prefix))

        data: list[Any] = []
        meta: list[Any] = []
        unique = schema.get("uniqueItems") is True
        seen: set[bytes] = set()
        index = 0
        attempts = 0
        while len(data) < count and attempts < count + 20:
            item_schema = prefix[index] if index < len(prefix) else items
            item_node = found_nodes[attempts] if attempts < len(found_nodes) else MISSING
            # items read their values from their own node only: a key of the text would repeat in each
            value, item_meta = self.value(item_schema, (*path, attempts), EMPTY_SOURCE, item_node, refs)
            attempts += 1
            key = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
            if unique and key in seen:
                continue
            seen.add(key)
            data.append(value)
            meta.append(item_meta)
            index += 1
        return data, meta

    def text_items(self, items: Any, path: tuple, source: Source, refs: tuple) -> list[Any]:
        """Values of an array of scalars from text: repeated keys, or one comma/semicolon list."""
        item_schema, _ = self.resolve(items, refs)
        if {"object", "array"} & set(_types(item_schema)) or not path:
            return []
        found = source.lookup(_keys(path, {}))
        if len(found) > 1:
            return [_TextNode(f) for f in found]
        if len(found) == 1:
            parts = [p.strip() for p in re.split(r"[;,]", found[0].value) if p.strip()]
            return [_TextNode(Found(p, found[0].page, found[0].text)) for p in parts]
        return []

    def scalar(self, schema, types, path, source, node) -> tuple[Any, Any]:
        candidates: list[Found] = []
        if isinstance(node, _TextNode):
            candidates = [node.found]
        elif node is not MISSING:
            candidates = [Found(node, 1, _citation_text(path, node))]
        elif path and source.lines:
            candidates = source.lookup(_keys(path, schema))[:1]
        for found in candidates:
            value = self.read(found.value, schema, types)
            if value is not MISSING:
                return value, self.leaf_meta(path, found)
        return self.synthesize(schema, types, path), self.leaf_meta(path, None)

    def read(self, raw: Any, schema: dict, types: list[str]) -> Any:
        """The found value as one the schema accepts, or MISSING."""
        if "const" in schema:
            return schema["const"] if raw == schema["const"] or str(raw).strip() == str(schema["const"]) else MISSING
        if "enum" in schema:
            for option in schema["enum"]:
                if raw == option or (isinstance(raw, str) and str(option).lower() == raw.strip().lower()):
                    return option
            return MISSING
        order = ("boolean", "integer", "number", "string", "null")  # "N/A" stays a string where one fits
        for json_type in sorted(types, key=lambda t: order.index(t) if t in order else len(order)):
            value = _coerce_scalar(raw, json_type)
            if value is not MISSING and self.valid(value, schema):
                return value
        return MISSING

    def synthesize(self, schema: dict, types: list[str], path: tuple) -> Any:
        rng = self.rng(path)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            options = [o for o in schema["enum"] if o is not None] or schema["enum"]
            return options[rng.randrange(len(options))] if options else None
        non_null = [t for t in types if t != "null"]
        if not non_null:
            return None
        name = normalize(str(next((p for p in reversed(path) if isinstance(p, str)), "")))
        json_type = non_null[0]
        if json_type == "boolean":
            value: Any = rng.random() < 0.5
        elif json_type in ("integer", "number"):
            value = _number(schema, json_type == "integer", name, rng)
        elif json_type == "object":
            value = {}
        elif json_type == "array":
            value = []
        else:
            value = _string(schema, name, rng)
        if not self.valid(value, schema) and "null" in types:
            return None
        return value


@dataclass(frozen=True)
class _TextNode:
    """One value of an array read from text, carrying its citation."""

    found: Found


def _child(node: Any, name: str) -> Any:
    if isinstance(node, _TextNode) or not isinstance(node, dict):
        return MISSING
    if name in node:
        return node[name]
    wanted = normalize(name)
    return next((v for k, v in node.items() if normalize(str(k)) == wanted), MISSING)


def _keys(path: tuple, schema: dict) -> list[str]:
    names = [p for p in path if isinstance(p, str)]
    keys = [normalize("".join(names)), normalize(names[-1]) if names else ""]
    if isinstance(schema.get("title"), str):
        keys.append(normalize(schema["title"]))
    return [k for k in dict.fromkeys(keys) if k]


def _citation_text(path: tuple, value: Any) -> str:
    names = [p for p in path if isinstance(p, str)]
    rendered = value if isinstance(value, str) else orjson.dumps(value).decode()
    return f"{names[-1]}: {rendered}" if names else rendered


def _bounds(schema: dict, low: float, high: float) -> tuple[float, float, bool, bool]:
    lo, hi = schema.get("minimum"), schema.get("maximum")
    xlo, xhi = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    lo_ex = hi_ex = False
    if isinstance(xlo, bool):  # draft 4: a flag on minimum
        lo_ex, xlo = xlo, None
    if isinstance(xhi, bool):
        hi_ex, xhi = xhi, None
    if isinstance(xlo, (int, float)) and (lo is None or xlo >= lo):
        lo, lo_ex = xlo, True
    if isinstance(xhi, (int, float)) and (hi is None or xhi <= hi):
        hi, hi_ex = xhi, True
    if lo is None and hi is None:
        lo, hi = low, high
    elif lo is None:
        lo = min(low, hi - (high - low))
    elif hi is None:
        hi = max(high, lo + (high - low))
    return float(lo), float(hi), lo_ex, hi_ex


NUMBER_HINTS = [
    (("age",), 18, 90),
    (("year",), 1990, 2030),
    (("percent", "percentage", "rate"), 0, 100),
    (("price", "amount", "total", "cost", "subtotal", "tax", "balance", "salary", "revenue"), 10, 5000),
    (("quantity", "qty", "count", "number", "num"), 1, 20),
]


def _number(schema: dict, integer: bool, name: str, rng: random.Random) -> int | float:
    low, high = 1, 1000
    for words, hint_low, hint_high in NUMBER_HINTS:
        if any(w in name for w in words):
            low, high = hint_low, hint_high
            break
    lo, hi, lo_ex, hi_ex = _bounds(schema, low, high)
    step = schema.get("multipleOf")
    if isinstance(step, (int, float)) and step > 0:
        first = math.ceil(lo / step) + (1 if lo_ex and (lo / step).is_integer() else 0)
        last = math.floor(hi / step) - (1 if hi_ex and (hi / step).is_integer() else 0)
        k = rng.randint(first, max(first, last))
        value = k * step
        if integer or (isinstance(step, int) and not isinstance(step, bool)):
            return int(round(value))
        return round(value, 10)
    if integer:
        first = math.ceil(lo) + (1 if lo_ex and float(lo).is_integer() else 0)
        last = math.floor(hi) - (1 if hi_ex and float(hi).is_integer() else 0)
        return rng.randint(first, max(first, last))
    value = round(rng.uniform(lo, hi), 2)
    if (lo_ex and value <= lo) or value < lo:
        value = lo + (hi - lo) / 2
    if (hi_ex and value >= hi) or value > hi:
        value = lo + (hi - lo) / 2
    return value


def _date(rng: random.Random) -> dt.date:
    return dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(2000))


FORMAT_VALUES = {
    "date": lambda rng: _date(rng).isoformat(),
    "date-time": lambda rng: (
        f"{_date(rng).isoformat()}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z"
    ),
    "time": lambda rng: f"{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z",
    "email": lambda rng: f"{rng.choice(NAMES_FIRST)}.{rng.choice(NAMES_LAST)}@example.com".lower(),
    "idn-email": lambda rng: f"{rng.choice(NAMES_FIRST)}@example.com".lower(),
    "uri": lambda rng: f"https://example.com/{rng.choice(WORDS)}/{rng.randrange(1000)}",
    "url": lambda rng: f"https://example.com/{rng.choice(WORDS)}/{rng.randrange(1000)}",
    "iri": lambda rng: f"https://example.com/{rng.choice(WORDS)}",
    "uri-reference": lambda rng: f"/{rng.choice(WORDS)}/{rng.randrange(1000)}",
    "iri-reference": lambda rng: f"/{rng.choice(WORDS)}",
    "uri-template": lambda rng: "https://example.com/{id}",
    "hostname": lambda rng: f"{rng.choice(WORDS)}.example.com",
    "idn-hostname": lambda rng: f"{rng.choice(WORDS)}.example.com",
    "ipv4": lambda rng: f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
    "ipv6": lambda rng: str(ipaddress.IPv6Address(rng.getrandbits(128))),
    "uuid": lambda rng: str(uuid.UUID(int=rng.getrandbits(128), version=4)),
    "duration": lambda rng: f"P{rng.randint(1, 30)}D",
    "regex": lambda rng: "^[a-z]+$",
    "json-pointer": lambda rng: f"/{rng.choice(WORDS)}/0",
    "relative-json-pointer": lambda rng: "0/" + rng.choice(WORDS),
}

STRING_HINTS: list[tuple[tuple[str, ...], Any]] = [
    (("email",), FORMAT_VALUES["email"]),
    (("url", "website", "link", "uri", "homepage"), FORMAT_VALUES["uri"]),
    (("phone", "tel", "mobile", "fax"), lambda rng: f"+1-555-{rng.randrange(10000):04d}"),
    (("date", "dob", "birthday"), FORMAT_VALUES["date"]),
    (("currency",), lambda rng: rng.choice(CURRENCIES)),
    (
        (
            "company",
            "vendor",
            "supplier",
            "organization",
            "organisation",
            "employer",
            "merchant",
            "seller",
            "buyer",
            "issuer",
        ),
        lambda rng: rng.choice(COMPANIES),
    ),
    (("city", "town"), lambda rng: rng.choice(CITIES)),
    (("country", "nation"), lambda rng: rng.choice(COUNTRIES)),
    (("address", "street"), lambda rng: f"{rng.randint(1, 999)} {rng.choice(WORDS).title()} Street"),
    (
        ("name", "author", "person", "contact", "customer", "owner", "manager", "recipient"),
        lambda rng: f"{rng.choice(NAMES_FIRST)} {rng.choice(NAMES_LAST)}",
    ),
    (
        ("id", "number", "code", "reference", "ref", "sku", "no"),
        lambda rng: f"{rng.choice(WORDS)[:3].upper()}-{rng.randint(10000, 99999)}",
    ),
    (("title", "subject", "heading"), lambda rng: f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()} Report"),
    (
        ("description", "summary", "notes", "note", "comment", "comments", "abstract", "text", "body", "content"),
        lambda rng: f"The {rng.choice(WORDS)} {rng.choice(WORDS)} of the {rng.choice(WORDS)} {rng.choice(WORDS)}.",
    ),
]


def _string(schema: dict, name: str, rng: random.Random) -> str:
    fmt = schema.get("format")
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        for _ in range(10):
            text = _pattern_text(pattern, rng)
            if text is not None and _fits_length(text, schema):
                return text
    if isinstance(fmt, str) and fmt in FORMAT_VALUES:
        text = FORMAT_VALUES[fmt](rng)
    else:
        text = next((make(rng) for words, make in STRING_HINTS if any(_name_has(name, w) for w in words)), None)
        if text is None:
            text = f"{rng.choice(WORDS)} {rng.choice(WORDS)}"
    return _fit_length(text, schema, rng)


def _name_has(name: str, word: str) -> bool:
    """Whether a field name (normalized) is about ``word``: "invoiceid" is about "id", "notes" is not about "no"."""
    return word in name if len(word) > 3 else name == word or name.endswith(word)


def _fits_length(text: str, schema: dict) -> bool:
    return len(text) >= schema.get("minLength", 0) and len(text) <= schema.get("maxLength", len(text))


def _fit_length(text: str, schema: dict, rng: random.Random) -> str:
    min_length = int(schema.get("minLength", 0))
    max_length = schema.get("maxLength")
    while len(text) < min_length:
        text += " " + rng.choice(WORDS)
    if max_length is not None:
        text = text[: int(max_length)]
    return text


# --------------------------------------------------------------------------- entry point
def seed_of(content: bytes, schema: dict[str, Any]) -> bytes:
    return hashlib.sha256(content).digest() + hashlib.sha256(orjson.dumps(schema, option=orjson.OPT_SORT_KEYS)).digest()


def extract(content: bytes, schema: dict[str, Any], target: str | None = None) -> Extraction:
    """The extraction result of a file for a (valid) data_schema and an extraction target."""
    target = target or PER_DOC
    if "type" not in schema and "properties" not in schema:  # {}: the default agent's empty schema
        schema = {**schema, "type": "object"}
    parts = segments(content, target)
    synthesizer = _Synthesizer(schema, seed_of(content, schema))
    results = [
        synthesizer.value(schema, (index,) if len(parts) > 1 else (), part, part.node)
        for index, part in enumerate(parts)
    ]
    pages = max(1, content.count(b"\f") + 1)
    if target == PER_DOC:
        data, field_metadata = results[0]
    else:
        data = [value for value, _ in results]
        field_metadata = {str(index): meta for index, (_, meta) in enumerate(results)}
    return Extraction(data, field_metadata, pages)


def iter_leaves(field_metadata: Any) -> Iterator[dict[str, Any]]:
    """Every leaf metadata dict (those with a confidence) of a field_metadata tree."""
    if isinstance(field_metadata, dict):
        if "confidence" in field_metadata:
            yield field_metadata
        else:
            for value in field_metadata.values():
                yield from iter_leaves(value)
    elif isinstance(field_metadata, list):
        for value in field_metadata:
            yield from iter_leaves(value)
