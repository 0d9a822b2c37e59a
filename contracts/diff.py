"""``llamacloud-mock diff OLD NEW``: a static comparison of two OpenAPI documents (3.0 or 3.1).

Seen from a client written against OLD that now talks to an API described by NEW, each
difference is *breaking* (the client may fail) or not. No well-kept library on PyPI does this for
both OpenAPI versions (oasdiff is Go; the Python ones are unmaintained), so it is small and kept
to what matters here:

* operations, matched by method and full path (the server's base path prepended, path parameters
  compared by position, not name): removed (breaking) or added;
* parameters (by location and name): removed, added (breaking when required), required or not,
  type, enum; a request body field that became a parameter of the same name is reported as moved;
* request bodies: media types, and their schemas field by field, in the *request* direction: a
  field removed, newly required, of another type, or an enum value removed breaks a client;
* responses: statuses declared or not, and each success body's schema in the *response*
  direction: a field removed, no longer required, of another type or newly nullable, or an enum
  value added breaks a client;
* the servers, as a note.

Schemas are compared after resolving local ``$ref``s and normalizing the spellings of the two
versions (``nullable: true`` and ``type: [T, "null"]``, ``const`` and a one-value ``enum``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mockserver import registry

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
MAX_DEPTH = 12


@dataclass(frozen=True)
class Change:
    operation: str  # "POST /api/v1/extraction/jobs", or "(document)"
    direction: str  # "operation", "request", "response" or "document"
    where: str  # "query project_id", "body.file_ids", "200 body.status"
    kind: str  # "removed", "added", "type", "enum", "required", "moved", "status", ...
    detail: str
    breaking: bool


@dataclass
class DiffResult:
    changes: list[Change] = field(default_factory=list)
    matched: list[tuple[str, str]] = field(default_factory=list)  # (old label, new label)

    @property
    def breaking(self) -> list[Change]:
        return [c for c in self.changes if c.breaking]

    @property
    def non_breaking(self) -> list[Change]:
        return [c for c in self.changes if not c.breaking]

    def summary(self) -> str:
        return (
            f"{len(self.breaking)} breaking and {len(self.non_breaking)} non-breaking difference(s) "
            f"over {len(self.matched)} operation(s) in common"
        )


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(Path(path).read_text())


# ----------------------------------------------------------------------------- documents
def _resolve(spec: dict[str, Any], node: Any) -> Any:
    """A node with its top-level local $ref resolved (once)."""
    seen = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        target: Any = spec
        for part in node["$ref"][2:].split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(target, dict) else {}
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        node = {**target, **siblings} if siblings and isinstance(target, dict) else target
        seen += 1
        if seen > 20:
            break
    return node


def operations(spec: dict[str, Any]) -> dict[tuple[str, str], tuple[str, dict, list]]:
    """(METHOD, path shape) -> (label, operation, path-level parameters)."""
    base = registry.base_path(spec)
    found = {}
    for path, item in (spec.get("paths") or {}).items():
        item = _resolve(spec, item)
        for method in METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                full = base + path
                shape = re.sub(r"\{[^}]+\}", "{}", full)
                found[(method.upper(), shape)] = (f"{method.upper()} {full}", operation, item.get("parameters", []))
    return found


# ----------------------------------------------------------------------------- schemas
@dataclass
class Shape:
    """A schema in one spelling: types (a set, "null" included when nullable), enum, properties..."""

    types: frozenset[str]
    enum: tuple | None
    properties: dict[str, Any]
    required: frozenset[str]
    items: Any
    raw: dict[str, Any]


def shape(spec: dict[str, Any], schema: Any) -> Shape:
    schema = _resolve(spec, schema) if isinstance(schema, dict) else {}
    # allOf: merged (our specs use allOf: [$ref] + nullable for nullable references)
    if isinstance(schema.get("allOf"), list):
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            part = _resolve(spec, part)
            for key, value in part.items():
                if key == "properties":
                    merged["properties"] = {**merged.get("properties", {}), **value}
                elif key == "required":
                    merged["required"] = [*merged.get("required", []), *value]
                else:
                    merged.setdefault(key, value)
        schema = merged
    types: set[str] = set()
    raw_type = schema.get("type")
    if isinstance(raw_type, str):
        types.add(raw_type)
    elif isinstance(raw_type, list):
        types.update(raw_type)
    for keyword in ("anyOf", "oneOf"):
        for member in schema.get(keyword) or []:
            member_shape = shape(spec, member)
            types.update(member_shape.types or {"any"})
    if schema.get("nullable"):
        types.add("null")
    if "integer" in types and "number" in types:
        types.discard("integer")
    enum = schema.get("enum")
    if "const" in schema:
        enum = [schema["const"]]
    if enum is not None and None in enum:
        types.add("null")
    if not types and isinstance(schema.get("properties"), dict):
        types.add("object")
    return Shape(
        types=frozenset(types),
        enum=tuple(v for v in enum if v is not None) if enum is not None else None,
        properties=schema.get("properties") or {},
        required=frozenset(schema.get("required") or []),
        items=schema.get("items"),
        raw=schema,
    )


def _fmt_types(types: frozenset[str]) -> str:
    shown = sorted(t for t in types if t != "null") or ["any"]
    return "|".join(shown) + (" (nullable)" if "null" in types else "")


class _Comparer:
    def __init__(self, old: dict[str, Any], new: dict[str, Any], result: DiffResult):
        self.old, self.new, self.result = old, new, result
        self.names: dict[tuple[str, str], str] = {}  # parameter key -> its name as spelled

    def add(self, operation: str, direction: str, where: str, kind: str, detail: str, breaking: bool) -> None:
        self.result.changes.append(Change(operation, direction, where, kind, detail, breaking))

    # -------------------------------------------------------------- schemas
    def schemas(self, operation: str, direction: str, where: str, old: Any, new: Any, depth: int = 0) -> None:
        if depth > MAX_DEPTH:
            return
        a, b = shape(self.old, old), shape(self.new, new)
        request = direction == "request"
        a_types, b_types = a.types - {"null"}, b.types - {"null"}
        if a_types and b_types and a_types != b_types and "any" not in a_types | b_types:
            # a request may widen (accept more), a response may narrow (answer less)
            widened, narrowed = a_types < b_types, b_types < a_types
            breaking = not widened if request else not narrowed
            self.add(operation, direction, where, "type", f"{_fmt_types(a.types)} -> {_fmt_types(b.types)}", breaking)
            if not (widened or narrowed):
                return
        if ("null" in a.types) != ("null" in b.types):
            became = "nullable" if "null" in b.types else "not nullable"
            # a request may no longer send null; a response may now hold null
            breaking = ("null" in a.types) if request else ("null" in b.types)
            self.add(operation, direction, where, "nullable", f"became {became}", breaking)
        if a.enum is not None or b.enum is not None:
            old_values = set(map(repr, a.enum or ()))
            new_values = set(map(repr, b.enum or ()))
            if a.enum is not None and b.enum is not None:
                removed, added = sorted(old_values - new_values), sorted(new_values - old_values)
                if removed:
                    self.add(operation, direction, where, "enum", f"values removed: {', '.join(removed)}", request)
                if added:
                    self.add(operation, direction, where, "enum", f"values added: {', '.join(added)}", not request)
            elif b.enum is not None:
                self.add(
                    operation, direction, where, "enum", f"now limited to {', '.join(sorted(new_values))}", request
                )
            else:
                self.add(
                    operation,
                    direction,
                    where,
                    "enum",
                    f"no longer limited to {', '.join(sorted(old_values))}",
                    not request,
                )
        if "object" in a_types | b_types and (a.properties or b.properties):
            self.properties(operation, direction, where, a, b, depth)
        if "array" in a_types and "array" in b_types and a.items is not None and b.items is not None:
            self.schemas(operation, direction, f"{where}[]", a.items, b.items, depth + 1)

    def properties(self, operation: str, direction: str, where: str, a: Shape, b: Shape, depth: int) -> None:
        request = direction == "request"
        prefix = f"{where}." if where else ""
        for name in a.properties:
            path = f"{prefix}{name}"
            if name not in b.properties:
                required = " (it was required)" if name in a.required else ""
                self.add(operation, direction, path, "removed", f"field removed{required}", True)
                continue
            if (name in a.required) != (name in b.required):
                now = "required" if name in b.required else "optional"
                self.add(operation, direction, path, "required", f"became {now}", (now == "required") == request)
            self.schemas(operation, direction, path, a.properties[name], b.properties[name], depth + 1)
        for name in b.properties:
            if name not in a.properties:
                required = name in b.required
                self.add(
                    operation,
                    direction,
                    f"{prefix}{name}",
                    "added",
                    f"field added ({'required' if required else 'optional'})",
                    request and required,
                )

    # -------------------------------------------------------------- operations
    def parameters(self, spec: dict[str, Any], operation: dict, path_level: list) -> dict[tuple[str, str], dict]:
        found = {}
        for parameter in [*path_level, *(operation.get("parameters") or [])]:
            parameter = _resolve(spec, parameter)
            where, name = parameter.get("in"), parameter.get("name", "")
            if where == "header" and name.lower() == "authorization":
                continue
            key = (where, name.lower() if where == "header" else name)
            found[key] = parameter
            self.names[key] = name
        return found

    def operation(self, label: str, old_op: tuple, new_op: tuple) -> None:
        old_label, old, old_path_params = old_op
        _, new, new_path_params = new_op
        old_params = self.parameters(self.old, old, old_path_params)
        new_params = self.parameters(self.new, new, new_path_params)
        old_path = [n for (w, n) in old_params if w == "path"]
        new_path = [n for (w, n) in new_params if w == "path"]
        for before, after in zip(old_path, new_path):
            if before != after:
                self.add(label, "request", f"path {before}", "renamed", f"path parameter named {after}", False)
        for key, parameter in old_params.items():
            where, name = key
            if where == "path":
                continue
            if key not in new_params:
                self.add(label, "request", f"{where} {self.names[key]}", "removed", "parameter removed", True)
                continue
            self.parameter(label, f"{where} {self.names[key]}", parameter, new_params[key])
        for key, parameter in new_params.items():
            where, name = key
            if where == "path" or key in old_params:
                continue
            required = bool(parameter.get("required"))
            self.add(
                label,
                "request",
                f"{where} {self.names[key]}",
                "added",
                f"parameter added ({'required' if required else 'optional'})",
                required,
            )
        self.request_body(label, old, new)
        self.responses(label, old, new)
        self.moves(label)

    def parameter(self, label: str, where: str, old: dict, new: dict) -> None:
        if bool(old.get("required")) != bool(new.get("required")):
            now = "required" if new.get("required") else "optional"
            self.add(label, "request", where, "required", f"became {now}", now == "required")
        self.schemas(label, "request", where, old.get("schema", {}), new.get("schema", {}))

    def request_body(self, label: str, old: dict, new: dict) -> None:
        a = _resolve(self.old, old.get("requestBody") or {})
        b = _resolve(self.new, new.get("requestBody") or {})
        a_content, b_content = a.get("content") or {}, b.get("content") or {}
        if not a_content and not b_content:
            return
        if not b_content:
            self.add(label, "request", "body", "removed", "request body removed", True)
            return
        if not a_content:
            required = bool(b.get("required"))
            self.add(
                label,
                "request",
                "body",
                "added",
                f"request body added ({'required' if required else 'optional'})",
                required,
            )
            return
        common = [m for m in a_content if m in b_content]
        for media in a_content:
            if media not in b_content:
                self.add(label, "request", "body", "media type", f"{media} no longer accepted", True)
        for media in b_content:
            if media not in a_content:
                self.add(label, "request", "body", "media type", f"{media} accepted", False)
        for media in common:
            self.schemas(
                label, "request", "body", a_content[media].get("schema", {}), b_content[media].get("schema", {})
            )

    def responses(self, label: str, old: dict, new: dict) -> None:
        a = {str(k): _resolve(self.old, v) for k, v in (old.get("responses") or {}).items()}
        b = {str(k): _resolve(self.new, v) for k, v in (new.get("responses") or {}).items()}
        for status in a:
            if status not in b:
                kind = "success status" if status.startswith("2") else "status"
                self.add(label, "response", status, "status", f"{kind} {status} no longer declared", True)
        for status in b:
            if status not in a:
                self.add(label, "response", status, "status", f"status {status} declared", False)
        old_ok = sorted(s for s in a if s.startswith("2"))
        new_ok = sorted(s for s in b if s.startswith("2"))
        pairs = [(s, s) for s in old_ok if s in new_ok]
        if not pairs and old_ok and new_ok:
            pairs = [(old_ok[0], new_ok[0])]  # 201 -> 200: the success answers are what a client reads
        for old_status, new_status in pairs:
            where = old_status if old_status == new_status else f"{old_status} -> {new_status}"
            self.response_body(label, where, a[old_status], b[new_status])

    def response_body(self, label: str, where: str, a: dict, b: dict) -> None:
        a_content, b_content = a.get("content") or {}, b.get("content") or {}
        if not a_content and not b_content:
            return
        if not a_content:
            self.add(label, "response", f"{where} body", "added", "a body where there was none", False)
            return
        if not b_content:
            self.add(label, "response", f"{where} body", "removed", "no body any more", True)
            return
        a_media = next((m for m in a_content if "json" in m), next(iter(a_content)))
        b_media = next((m for m in b_content if "json" in m), next(iter(b_content)))
        if a_media != b_media:
            self.add(label, "response", f"{where} body", "media type", f"{a_media} -> {b_media}", True)
        self.schemas(
            label,
            "response",
            f"{where} body",
            a_content[a_media].get("schema", {}),
            b_content[b_media].get("schema", {}),
        )

    def moves(self, label: str) -> None:
        """A request body field removed and a parameter of the same name added: one move."""
        changes = self.result.changes
        removed = {
            c.where[len("body.") :]: c
            for c in changes
            if c.operation == label and c.kind == "removed" and c.where.startswith("body.") and c.where.count(".") == 1
        }
        for added in [
            c
            for c in changes
            if c.operation == label and c.kind == "added" and c.direction == "request" and " " in c.where
        ]:
            location, name = added.where.split(" ", 1)
            if name in removed:
                old = removed[name]
                detail = f"moved from the body to the {location}" + (
                    f" ({'required' if 'it was required' in old.detail else 'optional'} -> "
                    f"{added.detail.split('(')[-1].rstrip(')')})"
                )
                changes.remove(old)
                changes.remove(added)
                changes.append(Change(label, "request", f"body.{name} -> {location} {name}", "moved", detail, True))


def compare(old: dict[str, Any], new: dict[str, Any]) -> DiffResult:
    result = DiffResult()
    comparer = _Comparer(old, new, result)
    old_ops, new_ops = operations(old), operations(new)
    old_servers = [s.get("url") for s in old.get("servers") or []]
    new_servers = [s.get("url") for s in new.get("servers") or []]
    if old_servers != new_servers:
        comparer.add(
            "(document)",
            "document",
            "servers",
            "servers",
            f"{', '.join(old_servers) or '(none)'} -> {', '.join(new_servers) or '(none)'}",
            False,
        )
    for key, old_op in old_ops.items():
        if key not in new_ops:
            comparer.add(old_op[0], "operation", "-", "removed", "operation removed", True)
    for key, new_op in new_ops.items():
        if key not in old_ops:
            comparer.add(new_op[0], "operation", "-", "added", "operation added", False)
    for key in old_ops.keys() & new_ops.keys():
        label = new_ops[key][0]
        result.matched.append((old_ops[key][0], label))
        comparer.operation(label, old_ops[key], new_ops[key])
    result.matched.sort(key=lambda pair: pair[1])
    return result


# ----------------------------------------------------------------------------- report
def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown(result: DiffResult, old_name: str = "OLD", new_name: str = "NEW", title: str | None = None) -> str:
    lines = [
        f"# {title or f'OpenAPI diff: {old_name} -> {new_name}'}",
        "",
        f"`llamacloud-mock diff {old_name} {new_name}`: what a client written against `{old_name}` meets "
        f"in `{new_name}`. {len(result.matched)} operation(s) in common; **{len(result.breaking)} breaking** "
        f"and {len(result.non_breaking)} non-breaking difference(s).",
        "",
        "Direction: *request* differences break a client when the API stops accepting what it sends "
        "(a field removed, newly required, of another type, an enum value removed); *response* "
        "differences break it when the API answers what it does not expect (a field removed or no "
        "longer required, another type, newly nullable, an enum value added).",
    ]
    removed = [c for c in result.changes if c.direction == "operation" and c.kind == "removed"]
    added = [c for c in result.changes if c.direction == "operation" and c.kind == "added"]
    lines += ["", "## Operations", ""]
    lines.append(f"In both ({len(result.matched)}):")
    lines.append("")
    for old_label, new_label in result.matched:
        lines.append(f"- `{new_label}`" + (f" (was `{old_label}`)" if old_label != new_label else ""))
    lines += ["", f"Only in `{old_name}` (removed, breaking): {len(removed)}", ""]
    lines += [f"- `{c.operation}`" for c in sorted(removed, key=lambda c: c.operation)] or ["- none"]
    lines += ["", f"Only in `{new_name}` (added): {len(added)}", ""]
    lines += [f"- `{c.operation}`" for c in sorted(added, key=lambda c: c.operation)] or ["- none"]
    document = [c for c in result.changes if c.direction == "document"]
    if document:
        lines += ["", "## Document", ""] + [f"- {c.where}: {_cell(c.detail)}" for c in document]
    for _, label in result.matched:
        changes = [c for c in result.changes if c.operation == label and c.direction in ("request", "response")]
        if not changes:
            continue
        changes.sort(key=lambda c: (not c.breaking, c.direction, c.where))
        lines += ["", f"## `{label}`", "", "| breaking | direction | where | difference |", "|---|---|---|---|"]
        for c in changes:
            lines.append(
                f"| {'**yes**' if c.breaking else 'no'} | {c.direction} | `{_cell(c.where)}` | {_cell(c.detail)} |"
            )
    return "\n".join(lines) + "\n"
