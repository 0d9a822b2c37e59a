"""OpenAPI 3.1 to 3.0.3, for connexion 3.3 (which reads only 3.0): ``downgrade(document)``.

``make generate`` derives openapi/derived/seed-3.0.yaml from the published 3.1 seed spec with it
(mockserver/codegen.py); nobody writes the derived file by hand. The conversion keeps the meaning:

* ``type: [T, "null"]`` becomes ``type: T`` + ``nullable: true``; several non-null types become an
  ``anyOf`` of one schema per type; ``type: "null"`` alone becomes ``nullable: true, enum: [null]``;
  an ``anyOf``/``oneOf`` member ``{type: "null"}`` becomes ``nullable: true`` on its parent;
* ``const: x`` becomes ``enum: [x]``; an ``enum`` listing null also gets ``nullable: true``;
* the schema keyword ``examples: [a, ...]`` becomes ``example: a`` (the others kept in ``x-examples``);
* numeric ``exclusiveMinimum``/``exclusiveMaximum`` become ``minimum``/``maximum`` with the 3.0 booleans;
* ``$ref`` beside other keywords (allowed by 3.1, ignored by 3.0) becomes ``allOf: [{$ref}]`` beside them;
* ``contentEncoding: base64`` becomes ``format: byte``; ``contentMediaType`` of a string becomes
  ``format: binary``; ``$schema``, ``$id`` and ``$comment`` are dropped.

Anything 3.0 cannot say (webhooks, ``prefixItems``, ``if``/``then``, ``patternProperties``...) is
refused with an error naming where it is, rather than silently dropped. ``upgrade`` is the inverse
(3.0 to 3.1), used by the tests to prove that ``upgrade(downgrade(d))`` means what ``d`` means.
"""

from __future__ import annotations

import copy
from typing import Any

TARGET_VERSION = "3.0.3"

# JSON Schema keywords of 3.1 that 3.0 has no way to express
UNSUPPORTED_KEYWORDS = (
    "prefixItems",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "dependentRequired",
    "unevaluatedProperties",
    "unevaluatedItems",
    "contains",
    "minContains",
    "maxContains",
    "propertyNames",
    "patternProperties",
    "$defs",
    "$dynamicRef",
    "$dynamicAnchor",
    "$anchor",
)
DROPPED_KEYWORDS = ("$schema", "$id", "$comment")
SUBSCHEMA_MAPS = ("properties",)
SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
SUBSCHEMAS = ("items", "not", "additionalProperties")


class UnsupportedFeature(ValueError):
    """The 3.1 document uses something OpenAPI 3.0 cannot express."""


# ----------------------------------------------------------------------------- walking the document
def _schema_slots(document: dict[str, Any]):
    """(container, key, where) of every top-level Schema Object of the document."""
    components = document.get("components", {})
    for name in components.get("schemas", {}):
        yield components["schemas"], name, f"components/schemas/{name}"
    for name, parameter in components.get("parameters", {}).items():
        yield from _parameter_slots(parameter, f"components/parameters/{name}")
    for name, body in components.get("requestBodies", {}).items():
        yield from _content_slots(body, f"components/requestBodies/{name}")
    for name, response in components.get("responses", {}).items():
        yield from _response_slots(response, f"components/responses/{name}")
    for name, header in components.get("headers", {}).items():
        yield from _parameter_slots(header, f"components/headers/{name}")
    for path, item in document.get("paths", {}).items():
        for parameter in item.get("parameters", []):
            yield from _parameter_slots(parameter, f"paths/{path}/parameters")
        for method, operation in item.items():
            if not isinstance(operation, dict) or method == "parameters":
                continue
            where = f"paths/{path}/{method}"
            for parameter in operation.get("parameters", []):
                yield from _parameter_slots(parameter, f"{where}/parameters/{parameter.get('name', '$ref')}")
            if "requestBody" in operation:
                yield from _content_slots(operation["requestBody"], f"{where}/requestBody")
            for status, response in operation.get("responses", {}).items():
                yield from _response_slots(response, f"{where}/responses/{status}")


def _parameter_slots(parameter: dict, where: str):
    if "schema" in parameter:
        yield parameter, "schema", f"{where}/schema"
    yield from _content_slots(parameter, where)


def _content_slots(holder: dict, where: str):
    for media_type, media in holder.get("content", {}).items():
        if "schema" in media:
            yield media, "schema", f"{where}/content/{media_type}/schema"


def _response_slots(response: dict, where: str):
    yield from _content_slots(response, where)
    for name, header in response.get("headers", {}).items():
        yield from _parameter_slots(header, f"{where}/headers/{name}")


def _transform_schemas(document: dict[str, Any], transform) -> None:
    for container, key, where in list(_schema_slots(document)):
        container[key] = transform(container[key], where)


def _children(schema: dict[str, Any], transform, where: str) -> dict[str, Any]:
    for keyword in SUBSCHEMA_MAPS:
        if isinstance(schema.get(keyword), dict):
            schema[keyword] = {k: transform(v, f"{where}/{keyword}/{k}") for k, v in schema[keyword].items()}
    for keyword in SUBSCHEMA_LISTS:
        if isinstance(schema.get(keyword), list):
            schema[keyword] = [transform(v, f"{where}/{keyword}/{i}") for i, v in enumerate(schema[keyword])]
    for keyword in SUBSCHEMAS:
        if isinstance(schema.get(keyword), dict):
            schema[keyword] = transform(schema[keyword], f"{where}/{keyword}")
    return schema


# ----------------------------------------------------------------------------- 3.1 -> 3.0
def _is_null_schema(schema: Any) -> bool:
    return isinstance(schema, dict) and schema == {"type": "null"}


def _downgrade_schema(schema: Any, where: str) -> Any:
    if not isinstance(schema, dict):
        return schema  # a boolean schema (3.1 allows true/false) is handled where it is allowed
    schema = dict(schema)
    for keyword in UNSUPPORTED_KEYWORDS:
        if keyword in schema:
            raise UnsupportedFeature(f"{where}: OpenAPI 3.0 has no equivalent of the JSON Schema keyword {keyword!r}")
    for keyword in DROPPED_KEYWORDS:
        schema.pop(keyword, None)
    if "$ref" in schema and len(schema) > 1:
        ref = schema.pop("$ref")
        schema["allOf"] = [{"$ref": ref}, *schema.get("allOf", [])]
    nullable = False
    for keyword in ("anyOf", "oneOf"):  # before the members are converted: {type: "null"} is nullability
        members = schema.get(keyword)
        if isinstance(members, list) and any(_is_null_schema(m) for m in members):
            nullable = True
            schema[keyword] = [m for m in members if not _is_null_schema(m)]
    schema = _children(schema, _downgrade_schema, where)

    types = schema.get("type")
    if isinstance(types, list):
        nullable = "null" in types
        others = [t for t in types if t != "null"]
        if len(others) == 1:
            schema["type"] = others[0]
        elif others:
            if "anyOf" in schema:
                raise UnsupportedFeature(f"{where}: a list of types beside anyOf has no single 3.0 spelling")
            del schema["type"]
            schema["anyOf"] = [{"type": t} for t in others]
        else:
            del schema["type"]
            schema["enum"] = [None]
    elif types == "null":
        del schema["type"]
        schema["enum"] = [None]
        nullable = True
    if "const" in schema:
        schema["enum"] = [schema.pop("const")]
    if isinstance(schema.get("enum"), list) and None in schema["enum"]:
        nullable = True
    if nullable:
        schema["nullable"] = True
    if "examples" in schema:
        examples = schema.pop("examples")
        if isinstance(examples, list) and examples:
            schema["example"] = examples[0]
            if len(examples) > 1:
                schema["x-examples"] = examples[1:]
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        value = schema.get(bound)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if limit in schema:
                raise UnsupportedFeature(f"{where}: both {bound} and {limit} are set; 3.0 keeps only one bound")
            schema[limit] = value
            schema[bound] = True
    if "contentEncoding" in schema:
        encoding = schema.pop("contentEncoding")
        if encoding != "base64":
            raise UnsupportedFeature(f"{where}: contentEncoding {encoding!r} has no 3.0 format")
        schema["format"] = "byte"
    if "contentMediaType" in schema:
        schema.pop("contentMediaType")
        schema.setdefault("format", "binary")
    if isinstance(schema.get("items"), bool):
        raise UnsupportedFeature(f"{where}: a boolean items schema has no 3.0 equivalent")
    return schema


def downgrade(document: dict[str, Any]) -> dict[str, Any]:
    """An OpenAPI 3.0.3 document meaning what the 3.1 ``document`` means (which is left unchanged)."""
    version = str(document.get("openapi", ""))
    if not version.startswith("3.1"):
        raise UnsupportedFeature(f"expected an OpenAPI 3.1 document, got openapi: {version!r}")
    out = copy.deepcopy(document)
    out["openapi"] = TARGET_VERSION
    if out.pop("webhooks", None):
        raise UnsupportedFeature("webhooks: OpenAPI 3.0 has no webhooks")
    dialect = out.pop("jsonSchemaDialect", None)
    if dialect not in (None, "https://spec.openapis.org/oas/3.1/dialect/base"):
        raise UnsupportedFeature(f"jsonSchemaDialect {dialect!r}: 3.0 knows only its own dialect")
    info = out.get("info", {})
    if "summary" in info:
        raise UnsupportedFeature("info/summary: OpenAPI 3.0 has no summary in info")
    license_ = info.get("license", {})
    if "identifier" in license_:
        license_.setdefault("url", f"https://spdx.org/licenses/{license_.pop('identifier')}.html")
    if "pathItems" in out.get("components", {}):
        raise UnsupportedFeature("components/pathItems: OpenAPI 3.0 has no reusable path items")
    for name, scheme in out.get("components", {}).get("securitySchemes", {}).items():
        if scheme.get("type") == "mutualTLS":
            raise UnsupportedFeature(f"components/securitySchemes/{name}: OpenAPI 3.0 has no mutualTLS")
    _transform_schemas(out, _downgrade_schema)
    return out


# ----------------------------------------------------------------------------- 3.0 -> 3.1
def _upgrade_schema(schema: Any, where: str) -> Any:
    if not isinstance(schema, dict):
        return schema
    schema = _children(dict(schema), _upgrade_schema, where)
    nullable = schema.pop("nullable", False)
    if "example" in schema:
        schema["examples"] = [schema.pop("example"), *schema.pop("x-examples", [])]
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if schema.get(bound) is True:
            schema[bound] = schema.pop(limit)
        elif schema.get(bound) is False:
            del schema[bound]
    if schema.get("format") == "byte" and schema.get("type") == "string":
        del schema["format"]
        schema["contentEncoding"] = "base64"
    if nullable:
        if schema.get("enum") == [None] and "type" not in schema:
            del schema["enum"]
            schema["type"] = "null"
        elif isinstance(schema.get("type"), str):
            schema["type"] = [schema["type"], "null"]
        elif "enum" in schema and "type" not in schema:
            pass  # the null in the enum says it
        else:
            keyword = "oneOf" if "oneOf" in schema else "anyOf"
            schema[keyword] = [*schema.get(keyword, []), {"type": "null"}]
    return schema


def upgrade(document: dict[str, Any]) -> dict[str, Any]:
    """The inverse of ``downgrade``: a 3.1 document meaning what the 3.0 ``document`` means."""
    out = copy.deepcopy(document)
    out["openapi"] = "3.1.0"
    _transform_schemas(out, _upgrade_schema)
    return out


def normalize31(document: dict[str, Any]) -> dict[str, Any]:
    """A 3.1 document in the one spelling ``upgrade`` produces where 3.1 has two for the same meaning:
    ``const: x`` as ``enum: [x]``, ``$ref`` beside other keywords as ``allOf: [{$ref}]``, several
    non-null types as an ``anyOf`` of one schema per type (null, if listed, as its last member)."""

    def normalize(schema: Any, where: str) -> Any:
        if not isinstance(schema, dict):
            return schema
        schema = dict(schema)
        for keyword in DROPPED_KEYWORDS:
            schema.pop(keyword, None)
        if "$ref" in schema and len(schema) > 1:
            ref = schema.pop("$ref")
            schema["allOf"] = [{"$ref": ref}, *schema.get("allOf", [])]
        schema = _children(schema, normalize, where)
        if "const" in schema:
            schema["enum"] = [schema.pop("const")]
        types = schema.get("type")
        if isinstance(types, list) and len([t for t in types if t != "null"]) > 1:
            del schema["type"]
            schema["anyOf"] = [{"type": t} for t in types if t != "null"]
            if "null" in types:
                schema["anyOf"].append({"type": "null"})
        return schema

    out = copy.deepcopy(document)
    out["openapi"] = "3.1.0"
    _transform_schemas(out, normalize)
    return out
