"""Extraction data schemas (JSON Schema) as the API accepts them. No HTTP here.

A ``data_schema`` arrives as a JSON object or as a string holding one. It must be a valid JSON
Schema (checked against the metaschema its ``$schema`` names, Draft 2020-12 by default, which is
what pydantic's ``model_json_schema()`` produces), describe an object at its root, and use only
local ``$ref`` that resolve. Where an API types its schemas as any JSON object (the seed spec),
``typed_root=False`` also takes a root that names no type as an object schema. Each failure is
an InvalidField whose ``loc`` points at the bad part, e.g.
``["body", "data_schema", "properties", "total", "type"]``.
"""

from __future__ import annotations

import warnings
from typing import Any

import orjson
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import best_match

from mockserver.domain.errors import InvalidField


def validator_class(schema: dict[str, Any]) -> type:
    """The validator of the draft the schema names in ``$schema`` (the latest, 2020-12, otherwise)."""
    with warnings.catch_warnings():  # an unknown $schema warns, then falls back to the latest draft
        warnings.simplefilter("ignore", DeprecationWarning)
        return validators.validator_for(schema, default=Draft202012Validator)


def parse_data_schema(value: Any, loc: tuple, typed_root: bool = True) -> dict[str, Any]:
    """The schema as a dict, checked; ``value`` is what the request carried at ``loc``."""
    if isinstance(value, str):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError as e:
            raise InvalidField(
                loc, f"data_schema is a string but not JSON ({e}): send a JSON Schema object", "json_invalid"
            ) from None
    if not isinstance(value, dict):
        raise InvalidField(loc, "data_schema must be a JSON Schema object", "dict_type")
    check_data_schema(value, loc, typed_root)
    return value


def _pointer(path) -> str:
    return "/" + "/".join(str(p) for p in path) if path else "the root"


def check_data_schema(schema: dict[str, Any], loc: tuple, typed_root: bool = True) -> None:
    cls = validator_class(schema)
    error = best_match(cls(cls.META_SCHEMA).iter_errors(schema))
    if error is not None:
        path = tuple(error.absolute_path)
        raise InvalidField((*loc, *path), f"Invalid JSON Schema at {_pointer(path)}: {error.message}", "value_error")
    root_type = schema.get("type")
    untyped_ok = not typed_root or isinstance(schema.get("properties"), dict)
    if root_type != "object" and not (root_type is None and untyped_ok):
        found = orjson.dumps(root_type).decode() if root_type is not None else "a schema without type"
        raise InvalidField(
            (*loc, "type"),
            f'The root of data_schema must describe an object ("type": "object" with its fields under '
            f'"properties"), not {found}',
            "value_error",
        )
    _check_refs(schema, schema, loc, ())


def resolve_pointer(root: Any, ref: str) -> Any:
    """The value a local ``$ref`` ("#/$defs/Item") points at; KeyError when it points nowhere."""
    node = root
    fragment = ref[1:]
    if not fragment:
        return root
    if not fragment.startswith("/"):
        raise KeyError(ref)
    for raw in fragment[1:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise KeyError(ref)
    return node


def _check_refs(root: dict, node: Any, loc: tuple, path: tuple) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if not ref.startswith("#"):
                raise InvalidField(
                    (*loc, *path, "$ref"),
                    f'Only local references are supported ("#/$defs/..."): cannot load {ref!r}',
                    "value_error",
                )
            try:
                resolve_pointer(root, ref)
            except KeyError:
                raise InvalidField(
                    (*loc, *path, "$ref"), f"$ref {ref!r} does not resolve inside data_schema", "value_error"
                ) from None
        for key, value in node.items():
            if key in ("const", "enum", "default", "examples"):
                continue  # values, not schemas
            _check_refs(root, value, loc, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _check_refs(root, value, loc, (*path, index))
