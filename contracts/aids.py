"""Generation aids: valid values for fields whose validity a schema cannot describe.

A ``data_schema`` is typed as any object or string, yet the server accepts only a JSON Schema of an
object (see the exclusion ``data-schema-semantics``); stateless extraction takes exactly one of
``file``, ``file_id`` and ``text``, and ``file.data`` must be base64. Generated at random, such
requests are almost always rejected, so the operations behind them (agents, jobs, runs, results)
would go untested. An aid is a ``map_case`` hook: in most *positive* cases it replaces a value the
server cannot accept with one it can (like Schemathesis' dictionaries, for objects), leaving the
rest as generated so that rejections are still exercised. Negative cases are never touched: what
they break must stay broken. The choice is a function of the generated value, so runs stay seeded.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from jsonschema import Draft202012Validator, SchemaError

SHARE = 0.8  # of the positive cases with an unusable value, how many get a usable one

SCHEMAS = (
    {"type": "object", "properties": {"invoice_number": {"type": "string"}, "total": {"type": "number"}}},
    {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "status": {"type": "string", "enum": ["paid", "due"]},
        },
        "required": ["name"],
    },
    {
        "type": "object",
        "properties": {"address": {"$ref": "#/$defs/Address"}},
        "$defs": {"Address": {"type": "object"}},
    },
    {"properties": {"title": {"type": ["string", "null"]}}},
)


def _fraction(value: Any) -> float:
    """A number in [0, 1) fixed by the value (so a seeded run stays reproducible)."""
    digest = hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def usable_schema(value: Any) -> bool:
    """Whether a server checking JSON Schemas (metaschema, object root) would take ``value``."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return False
    if not isinstance(value, dict):
        return False
    if value.get("type") != "object" and not (value.get("type") is None and isinstance(value.get("properties"), dict)):
        return False
    try:
        Draft202012Validator.check_schema(value)
    except SchemaError:
        return False
    return "$ref" not in json.dumps(value)  # the server resolves only local ones: keep it simple


def _positive(case: Any) -> bool:
    meta = getattr(case, "meta", None)
    return meta is not None and meta.generation.mode.is_positive


def data_schemas(context: Any, case: Any) -> Any:
    """``data_schema`` and ``data_schema_override`` (in the body, or in an object of the body such
    as v2's ``configuration``): a usable JSON Schema in most positive cases."""
    body = case.body
    if not _positive(case) or not isinstance(body, dict):
        return case
    for holder in (body, *(value for value in body.values() if isinstance(value, dict))):
        for name in ("data_schema", "data_schema_override"):
            value = holder.get(name)
            if value is not None and not usable_schema(value):
                fraction = _fraction(value)
                if fraction < SHARE:
                    holder[name] = SCHEMAS[int(fraction / SHARE * len(SCHEMAS)) % len(SCHEMAS)]
    return case


def stateless_sources(context: Any, case: Any) -> Any:
    """``POST /extraction/run``: exactly one of file (base64 data), file_id and text, mostly."""
    body = case.body
    if not _positive(case) or not isinstance(body, dict) or "config" not in body:
        return case
    sources = [name for name in ("file", "file_id", "text") if body.get(name) is not None]
    fraction = _fraction(body)
    if len(sources) != 1 and fraction < SHARE:
        keep = sources[0] if sources else "text"
        for name in ("file", "file_id", "text"):
            body.pop(name, None)
        body[keep] = {"file": {"data": "", "mime_type": "text/plain"}, "file_id": "", "text": "total: 12"}[keep]
    file = body.get("file")
    if isinstance(file, dict) and isinstance(file.get("data"), str):
        try:
            base64.b64decode(file["data"], validate=True)
        except ValueError:
            file["data"] = base64.b64encode(file["data"].encode("utf-8", "replace")).decode()
    return case


def one_configuration(context: Any, case: Any) -> Any:
    """Extract v2 jobs: exactly one of ``configuration`` (with a data_schema) and ``configuration_id``,
    mostly (the data_schemas aid then makes the schema usable)."""
    body = case.body
    if not _positive(case) or not isinstance(body, dict) or "configuration_id" not in body:
        return case
    configuration = body.get("configuration")
    both = isinstance(configuration, dict) and body.get("configuration_id") is not None
    neither = configuration is None and body.get("configuration_id") is None
    if (both or neither) and _fraction(body) < SHARE:
        if both:
            body["configuration_id"] = None
        else:
            body["configuration"] = {"data_schema": dict(SCHEMAS[0])}
    if isinstance(body.get("configuration"), dict):
        body["configuration"].setdefault("data_schema", dict(SCHEMAS[0]))
    return case


def for_operations(aid: Any, *labels: str) -> Any:
    """The aid, applied only to the operations named (``POST /api/v1/extraction/run``)."""

    def hook(context: Any, case: Any) -> Any:
        return aid(context, case) if case.operation.label in labels else case

    hook.__name__ = aid.__name__
    return hook


# the deployment and workflows of examples/workflows/wfdemo.yaml, which the contract's fake serves
SCENARIO_DEPLOYMENT = "wfdemo"
SCENARIO_WORKFLOWS = ("hitl", "echo", "boom")
SYNC_WORKFLOWS = ("echo", "boom")  # a sync run of hitl waits for an answer no fuzzer sends


def deployment_workflows(deployment: str, workflows: tuple[str, ...], sync_workflows: tuple[str, ...]) -> Any:
    """Workflow server: ``deployment`` and its ``workflows`` in most positive cases (random names are all
    404s), and a synchronous run only of ``sync_workflows`` (a run that waits for a human would block)."""

    def scenario_workflows(context: Any, case: Any) -> Any:
        params = case.path_parameters
        if params is None:
            return case
        sync = case.operation.label.endswith("/run")
        if _positive(case) and "deployment_name" in params and _fraction(params) < SHARE:
            params["deployment_name"] = deployment
        if "name" in params and (sync or (_positive(case) and _fraction(params["name"]) < SHARE)):
            names = sync_workflows if sync else workflows
            params["name"] = names[int(_fraction([params["name"], "name"]) * len(names))]
        return case

    return scenario_workflows


scenario_workflows = deployment_workflows(SCENARIO_DEPLOYMENT, SCENARIO_WORKFLOWS, SYNC_WORKFLOWS)
