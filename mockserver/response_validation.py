"""``--validate-responses`` on the fast path: an operation's answers checked against the spec as
connexion checks them (mockserver.routing.JsonResponseChecker), by validators built once per
operation, status and content type.

connexion builds a jsonschema validator per response (6 ms for a page of search results, see
docs/upstream.md); the one built here with jsonschema-rs takes 20 µs, where fastjsonschema's
generated Python took 180 µs. jsonschema-rs reads JSON Schema, not OpenAPI 3.0, hence
``json_schema``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connexion.datastructures import MediaTypeDict
from connexion.exceptions import NonConformingResponseBody, NonConformingResponseHeaders
from jsonschema import Draft4Validator
from starlette.responses import Response

from mockserver import jsonio

JSON_MEDIA_TYPE = re.compile(r"^application/(?:[\w.+-]+\+)?json$")


@dataclass(frozen=True)
class _Check:
    content_type_problem: str | None
    required_headers: frozenset[str]
    validate: Callable[[Any], Any] | None  # the compiled schema of the body, when JSON


class ResponseChecks:
    """One operation's response checks, each built on first use: a handful per operation."""

    def __init__(self, responses: dict[str, Any]):
        self.responses = responses  # the spec's, refs resolved
        self.produces = tuple(sorted({m.lower() for r in responses.values() for m in r.get("content", {})}))
        self._checks: dict[tuple[int, str | None], _Check] = {}

    def check(self, response: Response, answer: Any) -> None:
        """Raises what connexion's response validation raises for ``response``.

        ``answer``: what the handler returned, ``response`` itself or the data its body encodes.
        Checking the data saves parsing the body again, and is the same check: handlers answer
        JSON-native values, written as they are.
        """
        headers = response.raw_headers
        content_type = next((v.decode("latin-1") for k, v in headers if k == b"content-type"), None)
        key = (response.status_code, content_type)
        check = self._checks.get(key) or self._checks.setdefault(key, self._build(*key))
        if check.content_type_problem:
            raise NonConformingResponseHeaders(detail=check.content_type_problem)
        if check.required_headers:
            missing = check.required_headers - {k.decode("latin-1").lower() for k, _ in headers}
            if missing:
                raise NonConformingResponseHeaders(
                    detail="Keys in response header don't match response specification. "
                    f"Difference: {', '.join(missing)}"
                )
        if check.validate is None:
            return
        data = answer
        if answer is response:
            data = jsonio.loads(response.body) if response.body else None  # exact: orjson reads big integers as floats
        try:
            check.validate(data)
        except _jsonschema_rs().ValidationError as e:
            path = ".".join(str(part) for part in e.instance_path)
            where = f" - '{path}'" if path else ""
            raise NonConformingResponseBody(
                detail=f"Response body does not conform to specification. {e.message}{where}"
            ) from None

    def _build(self, status_code: int, content_type: str | None) -> _Check:
        produces = self.produces
        mime_type = (content_type or (produces[0] if produces else "application/octet-stream")).split(";")[0]
        mime_type = mime_type.strip().lower()
        problem = None
        if status_code < 400 and produces and mime_type not in MediaTypeDict.fromkeys(produces):
            problem = f"Invalid Response Content-type ({mime_type}), expected {list(produces)}"
        definition = self.responses.get(str(status_code)) or self.responses.get("default") or {}
        required = frozenset(
            name.lower() for name, header in definition.get("headers", {}).items() if header.get("required", False)
        )
        validate = None
        if JSON_MEDIA_TYPE.match(mime_type):
            content = definition.get("content", {})
            media = content.get(mime_type)
            if media is None:  # the definition names the media type with a wildcard or parameters
                media = next((m for k, m in content.items() if JSON_MEDIA_TYPE.match(k)), None)
            schema = (media or {}).get("schema")
            if schema:
                formats: dict[str, Callable[[str], bool]] = {}
                converted = {"$schema": "http://json-schema.org/draft-04/schema#", **json_schema(schema, formats)}
                # only the formats jsonschema checks are left, each with jsonschema's own checker
                validator = _jsonschema_rs().Draft4Validator(converted, formats=formats, validate_formats=bool(formats))
                validate = validator.validate
        return _Check(problem, required, validate)


@functools.cache
def _jsonschema_rs():
    import jsonschema_rs  # noqa: PLC0415 - only --validate-responses needs it (4 ms of the start-up)

    return jsonschema_rs


def json_schema(schema: Any, formats: dict[str, Callable[[str], bool]]) -> Any:
    """An OpenAPI 3.0 schema (refs resolved) as the JSON Schema draft 4 that means the same to
    connexion's response validator (mockserver.routing.NullableResponseValidator): ``nullable``
    admits null, each ``format`` is checked by jsonschema's own format checker (collected in
    ``formats`` for jsonschema-rs) when it checks that format at all (``date-time`` only with
    optional packages), OpenAPI's own keywords are dropped."""
    if isinstance(schema, list):
        return [json_schema(item, formats) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {
        key: value if key in ("enum", "const", "default", "required") else json_schema(value, formats)
        for key, value in schema.items()
        if key not in _OPENAPI_ONLY
    }
    checker = Draft4Validator.FORMAT_CHECKER
    if isinstance(schema.get("format"), str):
        name = schema["format"]
        if name in checker.checkers:
            formats[name] = functools.partial(checker.conforms, format=name)
        else:  # a format jsonschema does not check: not checking it costs nothing
            del converted["format"]
    if schema.get("nullable") is not True:
        return converted
    if _COMBINATORS.isdisjoint(schema) and isinstance(schema.get("type"), str):
        # a type list is checked in one step, where anyOf tries alternatives behind exceptions
        converted["type"] = [schema["type"], "null"]
        if "enum" in schema and None not in schema["enum"]:
            converted["enum"] = [*schema["enum"], None]
        return converted
    return {"anyOf": [converted, {"type": "null"}]}


_OPENAPI_ONLY = frozenset({"nullable", "discriminator", "xml", "externalDocs", "example", "deprecated"})
_COMBINATORS = frozenset({"allOf", "anyOf", "oneOf", "not"})
