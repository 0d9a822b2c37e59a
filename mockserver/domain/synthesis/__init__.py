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

import hashlib
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from mockserver.domain.schemas import resolve_pointer, validator_class
from mockserver.domain.synthesis.formats import FORMAT_CHECKER
from mockserver.domain.synthesis.sources import (
    MISSING,
    PER_DOC,
    PER_PAGE,
    PER_TABLE_ROW,
    Found,
    Source,
    coerce_scalar,
    normalize,
    schema_types,
    segments,
)
from mockserver.domain.synthesis.values import number_for, string_for

__all__ = ["FORMAT_CHECKER", "PER_DOC", "PER_PAGE", "PER_TABLE_ROW", "Extraction", "extract", "iter_leaves"]

MAX_DEPTH = 12  # nesting at which recursive schemas stop growing (only required fields, no optional items)
HARD_DEPTH = 2 * MAX_DEPTH  # nesting at which objects and arrays are left empty
REF_REPEAT = 1  # times one $ref may appear on the current path before recursion is cut short


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
        types = schema_types(schema)
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
        non_null = [o for o in options if schema_types(self.resolve(o, refs)[0]) != ["null"]]
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
        if {"object", "array"} & set(schema_types(item_schema)) or not path:
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
            value = coerce_scalar(raw, json_type)
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
            value = number_for(schema, json_type == "integer", name, rng)
        elif json_type == "object":
            value = {}
        elif json_type == "array":
            value = []
        else:
            value = string_for(schema, name, rng)
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
