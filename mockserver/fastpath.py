"""The fast path: valid requests to plain operations dispatched to their handlers without
connexion's per-request work (request objects, jsonschema validators and function signatures
built for every request: 0.6 ms of a 0.7 ms request, profiled under ``make bench``).

Its routes are the route table ``create_app`` builds (mockserver.registry.route_table), tried in
the order connexion's routing tries them; its handlers are the ``Binding``s of the ``Handlers``
connexion resolves with. It serves a request itself only when it is certain connexion would route
and accept it and call the handler with the same arguments: every parameter in the path, the query
or a header, a plain string, or a query integer or boolean with at most an enum, bounds and a
default; a body, if any, JSON of a declared JSON media type that passes the operation's generated
model. Anything else falls through, its body replayed, to connexion, which answers it as it does
without this middleware.

Placed after authentication, outside connexion's error layers: a handler's error (a 404, a 409, a
response that breaks the spec) is rendered by the same handlers (mockserver/errors.py) as on
connexion's path. tests/http/test_fastpath.py sends the same requests through both paths and compares
the answers: this module changes how fast a request is answered, never what it gets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from connexion.decorators.parameter import sanitized
from connexion.json_schema import resolve_refs
from connexion.utils import is_null, sort_routes
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver import jsonio
from mockserver.errors import ErrorRenderer
from mockserver.registry import Route
from mockserver.response_validation import JSON_MEDIA_TYPE, ResponseChecks
from mockserver.routing import Binding, Handlers, JsonResponse

# the keywords a parameter's schema may have for the fast path to read it
_PLAIN_STRING_KEYWORDS = frozenset({"description", "title", "example", "type", "nullable"})
_SCALAR_KEYWORDS = _PLAIN_STRING_KEYWORDS | {"enum", "minimum", "maximum", "default"}


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
        value: Any = raw
        if schema["type"] == "integer":
            try:
                value = int(raw)  # connexion coerces with int() too
            except ValueError:
                raise FallThrough from None
            if value < schema.get("minimum", value) or value > schema.get("maximum", value):
                raise FallThrough
        elif schema["type"] == "boolean":
            if raw.lower() not in ("true", "false"):
                raise FallThrough
            value = raw.lower() == "true"
        if "enum" in schema and value not in schema["enum"]:
            raise FallThrough
        return value


@dataclass(frozen=True)
class CompiledOperation:
    operation_id: str
    binding: Binding
    query: tuple[QueryParameter, ...]
    required_headers: tuple[bytes, ...]  # lowercase, as ASGI servers give header names
    body_media_types: frozenset[str] | None  # None: the operation has no request body
    responses: ResponseChecks

    def arguments(self, scope: Scope, path_params: dict[str, str], headers: dict[bytes, bytes]) -> dict[str, Any]:
        """The handler's keyword arguments from the path and the query, as connexion builds them."""
        if any(name not in headers for name in self.required_headers):
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

    async def body(self, headers: dict[bytes, bytes], receive: Receive, received: list[Message]) -> Any:
        """The JSON body as the operation's generated model, when connexion would read it so."""
        media_type = headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
        if media_type not in self.body_media_types:
            raise FallThrough
        chunks = []
        while True:
            message = await receive()
            received.append(message)
            if message["type"] != "http.request":
                raise FallThrough  # the client went away: connexion's path sees the same disconnect
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        try:
            body = jsonio.loads(b"".join(chunks))
            if body is None:
                raise FallThrough
            return self.binding.validated_body(body)
        except ValueError:  # empty, not JSON, or pydantic's ValidationError: connexion's path explains it
            raise FallThrough from None


def _readable(where: str, parameter: dict) -> bool:
    """Whether the fast path reads this parameter exactly as connexion does."""
    schema = parameter.get("schema", {})
    if "content" in parameter or "style" in parameter or "explode" in parameter:
        return False
    if where == "query":
        return schema.get("type") in ("string", "integer", "boolean") and set(schema) <= _SCALAR_KEYWORDS
    return where in ("path", "header") and schema.get("type") == "string" and set(schema) <= _PLAIN_STRING_KEYWORDS


def compile_operation(operation: dict, path_item: dict, binding: Binding) -> CompiledOperation | None:
    """The operation as the fast path serves it, or None when it must stay connexion's."""
    # operation-level parameters override path-level ones of the same name and location
    parameters = {(p["in"], p["name"]): p for p in path_item.get("parameters", [])}
    parameters.update({(p["in"], p["name"]): p for p in operation.get("parameters", [])})
    if not all(_readable(where, p) for (where, _), p in parameters.items()):
        return None
    body_media_types = None
    if "requestBody" in operation:
        body_media_types = frozenset(media.lower() for media in operation["requestBody"].get("content", {}))
        if not body_media_types or not all(JSON_MEDIA_TYPE.match(media) for media in body_media_types):
            return None  # multipart, forms: connexion parses them
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
        responses=ResponseChecks(operation.get("responses", {})),
    )


# one API's routes in connexion's order: (literal prefix, path regex, method, compiled operation or None)
_Routes = list[tuple[str, re.Pattern, str, CompiledOperation | None]]


class FastPathMiddleware:
    """Placed after authentication, outside connexion's error layers (mockserver/app.py).

    ``routes``: the route table (mockserver.registry.route_table), of which it serves the APIs in
    ``handlers`` (API name -> the ``Handlers`` connexion resolves it with), reading each operation in
    ``specs`` (API name -> its spec, as given to connexion). ``error_handlers``: those of connexion's
    error layers (mockserver.errors.error_handlers).
    """

    def __init__(
        self,
        app: ASGIApp,
        routes: Iterable[Route],
        specs: Mapping[str, dict],
        handlers: Mapping[str, Handlers],
        error_handlers: list[tuple[Any, Any]],
        validate_responses: bool = False,
    ) -> None:
        self.app = app
        self.render_error = ErrorRenderer(error_handlers)
        self.validate_responses = validate_responses
        paths = {name: resolve_refs(specs[name])["paths"] for name in handlers}
        served: dict[str, _Routes] = {name: [] for name in handlers}
        for route in (route for route in routes if route.api in handlers):  # not a layer's: it serves itself
            table = handlers[route.api].operations_module
            path_item = paths[route.api][table.OPERATIONS[route.operation_id].path]
            binding = handlers[route.api].bindings.get(route.operation_id)
            compiled = binding and compile_operation(path_item[route.method.lower()], path_item, binding)
            regex, _, _ = compile_path(route.path)  # every parameter a string: those _readable accepts
            served[route.api].append((route.path.split("{")[0], regex, route.method, compiled))
        # base path -> its APIs, each with a regex matching all its paths (most requests skip most APIs
        # with one match): connexion sorts the APIs (sort_apis_by_basepath) and chains those sharing a
        # base path in that order; mockserver.routing.RoutingMiddleware mounts the longest first
        base_path = {name: handlers[name].operations_module.BASE_PATH for name in handlers}
        mounts: dict[str, list[tuple[re.Pattern, _Routes]]] = {}
        for name in sort_routes(list(served), key=lambda name: base_path[name] or "/"):
            any_route = "|".join(re.sub(r"\(\?P<\w+>", "(?:", regex.pattern) for _, regex, _, _ in served[name])
            mounts.setdefault(base_path[name], []).append((re.compile(any_route), served[name]))
        self.mounts = sorted(mounts.items(), key=lambda mount: -len(mount[0]))
        # (method, path) -> what route() found, for paths without parameters ("/agent-data",
        # ":search"): routing one tries a regular expression per route sharing its prefix
        self._static: dict[tuple[str, str], tuple[CompiledOperation, dict[str, str]]] = {}

    def route(self, method: str, path: str) -> tuple[CompiledOperation, dict[str, str]] | None:
        """The operation connexion's routing would pick, and the path's parameters, when the fast path serves it."""
        found = self._static.get((method, path))
        if found is None:
            found = self._route(method, path)
            if found is not None and not found[1]:  # no parameters: the paths of the specs, a bounded few
                self._static[(method, path)] = found
        return found

    def _route(self, method: str, path: str) -> tuple[CompiledOperation, dict[str, str]] | None:
        """What ``route`` answers, worked out as starlette routes connexion's mounts.

        The first mount whose base path prefixes the path; in it, the APIs in turn: the first route
        matching path and method wins; a route matching the path but not the method makes that API
        answer 405 (starlette's partial match), so the request is connexion's.
        """
        if "\n" in path:
            return None  # starlette's mount pattern (".*") stops at a newline: never routed as written
        apis = next((apis for base_path, apis in self.mounts if path.startswith(base_path + "/")), [])
        for any_route, routes in apis:
            if any_route.match(path) is None:
                continue
            partial = False
            for prefix, regex, route_method, compiled in routes:
                match = regex.match(path) if path.startswith(prefix) else None
                if match is not None and route_method == method:
                    return (compiled, match.groupdict()) if compiled is not None else None
                partial = partial or match is not None
            if partial:
                return None
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        routed = self.route(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if routed is None:
            return await self.app(scope, receive, send)
        operation, path_params = routed
        received: list[Message] = []  # what was read of the body, replayed to connexion
        try:
            headers = dict(reversed(scope["headers"]))  # the first of repeated headers wins, as in starlette
            params = operation.arguments(scope, path_params, headers)
            if operation.body_media_types is not None:
                params["body"] = await operation.body(headers, receive, received)
            result = await operation.binding.result(params, scope)
            response = result if isinstance(result, Response) else JsonResponse(result)
            if self.validate_responses:
                operation.responses.check(response, result)
        except FallThrough:
            return await self.app(scope, _replay(received, receive), send)
        except Exception as error:  # noqa: BLE001 - a handler's (404, 409...) or a response check's
            response = self.render_error(scope, error)
        await response(scope, receive, send)


def _replay(received: list[Message], receive: Receive) -> Receive:
    """``receive`` as it was before the fast path read from it."""
    pending = list(received)

    async def replaying_receive() -> Message:
        return pending.pop(0) if pending else await receive()

    return replaying_receive
