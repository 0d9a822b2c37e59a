"""The fast path: valid requests to plain operations served without connexion's per-request work.

Profiled under load (py-spy, ``make bench``), connexion 3.3 spent about 0.6 ms of every 0.7 ms
request building request objects, jsonschema validators and function signatures that never
change between requests; the handlers themselves took a few percent. This middleware works all
of that out once per operation, when the APIs are added, and serves a request itself only when
it is certain connexion would accept it and call the handler with the same arguments:

* every parameter of the operation is in the path, the query or a header; path and header
  parameters are plain strings, query parameters strings, integers or booleans with at most an
  enum, bounds and a default: checks the fast path makes as connexion does, or leaves to it;
* the request body, if the operation has one, is JSON of a declared JSON media type, parses,
  and passes the operation's generated pydantic model (the same check connexion's path makes).

Anything else falls through, the body replayed, to connexion's stack, which answers exactly as it
does without this middleware: a request that does not validate, a multipart upload, an integer
parameter to coerce, a path that routes nowhere. So every error still has one source, and this
module can only change how fast a valid request is answered, never what it gets
(tests/http/test_fastpath.py sends the same requests through both paths and compares the answers).

It sits outside connexion's error layers (they cost a tenth of a create), right after
authentication: a handler's exception (a 404, a 409, a response that breaks the spec) is handed to
connexion's stack with the request, and ``RaiseHandlerError``, placed where connexion's routing
begins, raises it there, so that the same layers answer it as they would on connexion's own path.

With ``--validate-responses``, answers are checked against the spec as connexion checks them, by
validators built once per operation and status with jsonschema-rs (connexion builds a jsonschema
validator per response: 6 ms for a page of search results; the built one takes 20 µs, where
fastjsonschema's generated Python took 180 µs).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from connexion.context import _receive, _scope
from connexion.datastructures import MediaTypeDict
from connexion.decorators.parameter import sanitized
from connexion.exceptions import NonConformingResponseBody, NonConformingResponseHeaders
from connexion.middleware.abstract import SpecMiddleware
from connexion.utils import is_null
from jsonschema import Draft4Validator
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver import jsonio
from mockserver.routing import HTTP_METHODS, Binding, JsonResponse

# the keywords a parameter's schema may have for the fast path to read it
_DOCUMENTATION = frozenset({"description", "title", "example"})
_PLAIN_STRING_KEYWORDS = _DOCUMENTATION | {"type", "nullable"}
_SCALAR_KEYWORDS = _PLAIN_STRING_KEYWORDS | {"enum", "minimum", "maximum", "default"}
_JSON_MEDIA_TYPE = re.compile(r"^application/(?:[\w.+-]+\+)?json$")


_UNPARSED = object()
HANDLER_ERROR = "llamacloud_mock.handler_error"  # the scope key RaiseHandlerError reads


class FallThrough(Exception):
    """This request is connexion's to answer."""


@dataclass(frozen=True)
class QueryParameter:
    name: str
    argument: str  # the handler's keyword argument: connexion's sanitized name
    schema: dict[str, Any]
    required: bool

    def value(self, raw: str) -> Any:
        """The value connexion passes for ``raw``, when it would accept it (else FallThrough)."""
        schema = self.schema
        if schema.get("nullable") and is_null(raw):
            return None  # "null" and "None" mean None, as connexion reads them
        kind = schema["type"]
        if kind == "integer":
            try:
                value: Any = int(raw)  # connexion coerces with int() too
            except ValueError:
                raise FallThrough from None
            if value < schema.get("minimum", value) or value > schema.get("maximum", value):
                raise FallThrough
        elif kind == "boolean":
            lowered = raw.lower()
            if lowered not in ("true", "false"):
                raise FallThrough
            value = lowered == "true"
        else:
            value = raw
        if "enum" in schema and value not in schema["enum"]:
            raise FallThrough
        return value


@dataclass
class CompiledOperation:
    operation_id: str
    binding: Binding
    query: tuple[QueryParameter, ...]
    required_headers: tuple[bytes, ...]  # lowercase, as ASGI servers give header names
    body_media_types: frozenset[str] | None  # None: the operation has no request body
    responses: dict[str, Any]  # the spec's responses, refs resolved
    produces: tuple[str, ...]
    # (status, content type) -> its ResponseCheck, built on first use: a handful per operation
    response_checks: dict[tuple[int, str | None], ResponseCheck] = field(default_factory=dict)

    def arguments(self, scope: Scope, path_params: dict[str, str], headers: dict[bytes, bytes]) -> dict[str, Any]:
        """The handler's keyword arguments from the path and the query, as connexion builds them."""
        for name in self.required_headers:
            if name not in headers:
                raise FallThrough
        params: dict[str, Any] = dict(path_params)
        if self.query:
            # the last value of a repeated parameter wins, as in connexion's OpenAPIURIParser
            query_string = scope["query_string"]
            given = dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)) if query_string else {}
            for parameter in self.query:
                raw = given.get(parameter.name)
                if raw is not None:
                    params[parameter.argument] = parameter.value(raw)
                elif "default" in parameter.schema:
                    params[parameter.argument] = parameter.schema["default"]
                elif parameter.required:
                    raise FallThrough
        return params

    def check_response(self, response: Response, data: Any = _UNPARSED) -> None:
        """What connexion's response validation checks (mockserver.routing.JsonResponseChecker).

        ``data``: what ``response``'s body encodes, when the caller has it. Checking it saves
        parsing the body again (as long as the body of a page of search results), and is the same
        check: handlers answer JSON-native values (dicts, lists, str, int, float, bool, None),
        which the encoder writes as they are.
        """
        headers = response.raw_headers
        content_type = next((v.decode("latin-1") for k, v in headers if k == b"content-type"), None)
        key = (response.status_code, content_type)
        check = self.response_checks.get(key) or self.response_checks.setdefault(key, _response_check(self, *key))
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
        if data is _UNPARSED:
            data = jsonio.loads(response.body) if response.body else None  # exact: orjson reads big integers as floats
        try:
            check.validate(data)
        except _jsonschema_rs().ValidationError as e:
            path = ".".join(str(part) for part in e.instance_path)
            where = f" - '{path}'" if path else ""
            raise NonConformingResponseBody(
                detail=f"Response body does not conform to specification. {e.message}{where}"
            ) from None


@dataclass(frozen=True)
class ResponseCheck:
    content_type_problem: str | None
    required_headers: frozenset[str]
    validate: Callable[[Any], Any] | None  # the compiled schema of the body, when JSON


@functools.cache
def _jsonschema_rs():
    import jsonschema_rs  # noqa: PLC0415 - only --validate-responses needs it (4 ms of the start-up)

    return jsonschema_rs


def _response_check(operation: CompiledOperation, status_code: int, content_type: str | None) -> ResponseCheck:
    produces = operation.produces
    mime_type = (content_type or (produces[0] if produces else "application/octet-stream")).split(";")[0]
    mime_type = mime_type.strip().lower()
    problem = None
    if status_code < 400 and produces and mime_type not in MediaTypeDict.fromkeys(produces):
        problem = f"Invalid Response Content-type ({mime_type}), expected {list(produces)}"
    definition = operation.responses.get(str(status_code)) or operation.responses.get("default") or {}
    required = frozenset(
        name.lower() for name, header in definition.get("headers", {}).items() if header.get("required", False)
    )
    validate = None
    if _JSON_MEDIA_TYPE.match(mime_type):
        media = definition.get("content", {}).get(mime_type)
        if media is None:  # the definition names the media type with a wildcard or parameters
            media = next((m for k, m in definition.get("content", {}).items() if _JSON_MEDIA_TYPE.match(k)), None)
        schema = (media or {}).get("schema")
        if schema:
            formats: dict[str, Callable[[str], bool]] = {}
            converted = {"$schema": "http://json-schema.org/draft-04/schema#", **json_schema(schema, formats)}
            # only the formats jsonschema checks are left, each with jsonschema's own checker
            validate = (
                _jsonschema_rs().Draft4Validator(converted, formats=formats, validate_formats=bool(formats)).validate
            )
    return ResponseCheck(problem, required, validate)


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


def _readable(where: str, parameter: dict) -> bool:
    """Whether the fast path reads this parameter exactly as connexion does."""
    schema = parameter.get("schema", {})
    if "content" in parameter or "style" in parameter or "explode" in parameter:
        return False
    if where == "query":
        return schema.get("type") in ("string", "integer", "boolean") and set(schema) <= _SCALAR_KEYWORDS
    return where in ("path", "header") and schema.get("type") == "string" and set(schema) <= _PLAIN_STRING_KEYWORDS


def compile_operation(
    operation: dict, path_item: dict, convertors: dict[str, Any], binding: Binding
) -> CompiledOperation | None:
    """The operation as the fast path serves it, or None when it must stay connexion's.
    ``convertors``: starlette's, of the operation's path parameters."""
    # operation-level parameters override path-level ones of the same name and location
    parameters = {(p["in"], p["name"]): p for p in path_item.get("parameters", [])}
    parameters.update({(p["in"], p["name"]): p for p in operation.get("parameters", [])})
    if not all(_readable(where, p) for (where, _), p in parameters.items()):
        return None
    body_media_types = None
    if "requestBody" in operation:
        content = operation["requestBody"].get("content", {})
        if not content or not all(_JSON_MEDIA_TYPE.match(media.lower()) for media in content):
            return None  # multipart, forms: connexion parses them
        body_media_types = frozenset(media.lower() for media in content)
    if any(type(c).__name__ != "StringConvertor" for c in convertors.values()):
        return None
    responses = operation.get("responses", {})
    produces = {m.lower() for r in responses.values() for m in r.get("content", {})}
    return CompiledOperation(
        operation_id=operation["operationId"],
        binding=binding,
        query=tuple(
            QueryParameter(name, sanitized(name), p["schema"], bool(p.get("required")))
            for (where, name), p in parameters.items()
            if where == "query"
        ),
        required_headers=tuple(
            name.lower().encode("latin-1")
            for (where, name), p in parameters.items()
            if where == "header" and p.get("required")
        ),
        body_media_types=body_media_types,
        responses=responses,
        produces=tuple(sorted(produces)),
    )


@dataclass
class _Api:
    """One API's routes in connexion's order: (literal prefix, path regex, method, compiled operation or None)."""

    routes: list[tuple[str, re.Pattern, str, CompiledOperation | None]]  # the prefix is tried first: cheaper
    any_route: re.Pattern  # matches the paths of all routes at once: most requests skip most APIs with one match

    @classmethod
    def of(cls, routes: list[tuple[str, re.Pattern, str, CompiledOperation | None]]) -> _Api:
        alternatives = "|".join(re.sub(r"\(\?P<\w+>", "(?:", regex.pattern) for _, regex, _, _ in routes)
        return cls(routes, re.compile(alternatives or r"(?!)"))


class FastPathMiddleware(SpecMiddleware):
    """Placed after authentication, outside connexion's error layers (mockserver/app.py)."""

    def __init__(self, app: ASGIApp, validate_responses: bool = False) -> None:
        self.app = app
        self.validate_responses = validate_responses
        # base path -> the APIs mounted there, in the order connexion chains them
        self.mounts: dict[str, list[_Api]] = {}
        # (method, path) -> what route() found, for paths without parameters ("/agent-data",
        # ":search"): routing one tries a regular expression per route sharing its prefix
        self._static: dict[tuple[str, str], tuple[CompiledOperation, dict[str, str]]] = {}

    def add_api(self, specification, base_path: str | None = None, resolver=None, **kwargs) -> None:
        base_path = specification.base_path if base_path is None else base_path
        handlers = getattr(resolver, "function_resolver", resolver)
        binding_of = getattr(handlers, "binding", None)
        routes = []
        for path, item in specification["paths"].items():
            full_path = base_path.rstrip("/") + path
            regex, _, convertors = compile_path(full_path)
            prefix = full_path.split("{")[0]
            for method, operation in item.items():
                if method.upper() not in HTTP_METHODS or not isinstance(operation, dict):
                    continue
                binding = binding_of(operation["operationId"]) if binding_of else None
                compiled = binding and compile_operation(operation, item, convertors, binding)
                routes.append((prefix, regex, method.upper(), compiled or None))
        self.mounts.setdefault(base_path.rstrip("/"), []).append(_Api.of(routes))
        self._static.clear()
        # longest base path first, as mockserver.routing.RoutingMiddleware mounts them
        self.mounts = dict(sorted(self.mounts.items(), key=lambda item: -len(item[0])))

    def route(self, method: str, path: str) -> tuple[CompiledOperation, dict[str, str]] | None:
        """The operation connexion's routing would pick, when the fast path serves it."""
        found = self._static.get((method, path))
        if found is None:
            found = self._route(method, path)
            if found is not None and not found[1]:  # no parameters: the paths of the specs, a bounded few
                self._static[(method, path)] = found
        return found

    def _route(self, method: str, path: str) -> tuple[CompiledOperation, dict[str, str]] | None:
        """What ``route`` answers, worked out.

        Mounts: the first whose base path prefixes the path. Within it, APIs are chained: the
        first route matching path and method wins; a route of an API that matches the path but
        not the method makes that API answer 405 (starlette's partial match), so it is connexion's.
        """
        if "\n" in path:
            return None  # starlette's mount pattern (".*") stops at a newline: never routed as written
        for base_path, apis in self.mounts.items():
            if not path.startswith(base_path + "/"):
                continue
            for api in apis:
                if api.any_route.match(path) is None:
                    continue
                partial = False
                for prefix, regex, route_method, compiled in api.routes:
                    if not path.startswith(prefix):
                        continue
                    match = regex.match(path)
                    if match is None:
                        continue
                    if route_method != method:
                        partial = True
                        continue
                    return (compiled, match.groupdict()) if compiled is not None else None
                if partial:
                    return None
            return None
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        routed = self.route(scope["method"], scope["path"])
        if routed is None:
            await self.app(scope, receive, send)
            return
        operation, path_params = routed
        received: list[Message] = []
        try:
            response = await self._answer(operation, path_params, scope, receive, received)
        except FallThrough:
            await self.app(scope, _replay(received, receive), send)
            return
        except Exception as error:  # noqa: BLE001 - a handler's (404, 409...) or a response check's
            # rendered by connexion's error layers, as they render their own (RaiseHandlerError)
            scope[HANDLER_ERROR] = error
            await self.app(scope, _replay(received, receive), send)
            return
        await response(scope, receive, send)

    async def _answer(
        self,
        operation: CompiledOperation,
        path_params: dict[str, str],
        scope: Scope,
        receive: Receive,
        received: list[Message],
    ) -> Response:
        # the first of repeated headers wins, as in starlette's Headers.get
        headers = dict(reversed(scope["headers"]))
        params = operation.arguments(scope, path_params, headers)
        if operation.body_media_types is not None:
            media_type = headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
            if media_type not in operation.body_media_types:
                raise FallThrough
            raw = await _read_body(receive, received)
            if not raw.strip():
                raise FallThrough
            try:
                body = jsonio.loads(raw)
                if body is None:
                    raise FallThrough
                params["body"] = operation.binding.validated_body(body)
            except ValueError:  # not JSON, or pydantic's ValidationError: connexion's path explains it
                raise FallThrough from None
        # handlers may read connexion's request (its base URL), as on connexion's path
        _scope.set(scope)
        _receive.set(receive)
        result = await operation.binding.result(params, scope)
        if isinstance(result, Response):
            response = result
            if self.validate_responses:
                operation.check_response(response)
        else:
            response = JsonResponse(result)
            if self.validate_responses:
                operation.check_response(response, result)
        return response


class RaiseHandlerError:
    """Inside connexion's error layers (server errors, exception handlers), before its routing:
    raises the exception a handler raised on the fast path, so that those layers answer it exactly
    as they answer the same exception raised on connexion's own path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = scope.get(HANDLER_ERROR)
        if error is not None:
            raise error
        await self.app(scope, receive, send)


async def _read_body(receive: Receive, received: list[Message]) -> bytes:
    chunks = []
    while True:
        message = await receive()
        received.append(message)
        if message["type"] != "http.request":
            raise FallThrough  # the client went away: connexion's path sees the same disconnect
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(received: list[Message], receive: Receive) -> Receive:
    """``receive`` as it was before the fast path read from it."""
    pending = list(received)

    async def replaying_receive() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replaying_receive
