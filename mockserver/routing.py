"""From a spec's operationIds to handlers: the glue between connexion and the wire adapters.

Each operationId resolves to the method of the same name on the API's adapter object
(mockserver/api/), or, when there is none yet, to the generated stub that answers 501 (``Handlers``).
Around each handler (``Binding``): the request body is validated by the generated pydantic model of the operation
(so 422 errors read exactly like FastAPI's), the project is resolved from the request
(``requested_project``), and the result is encoded as JSON (mockserver/jsonio.py).
A handler may also return a starlette Response (raw bytes, an empty 204), which is sent as is.

Multipart bodies reach handlers as connexion passes them: form fields in ``body`` (a dict),
file parts as starlette ``UploadFile`` keyword arguments named after their fields.
A handler takes exactly its operation's arguments, no ``**kwargs`` (tests/contracts/test_operation_sweep.py).
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from types import ModuleType
from typing import Any, NamedTuple
from urllib.parse import parse_qsl

from connexion import request
from connexion.datastructures import MediaTypeDict
from connexion.json_schema import Draft4RequestValidator, Draft4ResponseValidator, allow_nullable
from connexion.middleware.routing import RoutingAPI
from connexion.middleware.routing import RoutingMiddleware as ConnexionRoutingMiddleware
from connexion.validators import (
    FormDataValidator,
    JSONRequestBodyValidator,
    JSONResponseBodyValidator,
    MultiPartFormDataValidator,
    ParameterValidator,
    TextResponseBodyValidator,
)
from jsonschema import Draft4Validator
from jsonschema.validators import extend
from pydantic import BaseModel
from starlette.datastructures import FormData, Headers
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Router, compile_path

from mockserver import jsonio
from mockserver.errors import RequestValidationError, UnparseableBody, error_item


class JsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return jsonio.dumps(content)

    def init_headers(self, headers: Mapping[str, str] | None = None) -> None:
        if headers is None and self.status_code >= 200 and self.status_code not in (204, 304):
            # what starlette writes for a body and a media type, without its general case
            self.raw_headers = [(b"content-length", str(len(self.body)).encode()), _JSON_CONTENT_TYPE]
        else:
            super().init_headers(headers)


_JSON_CONTENT_TYPE = (b"content-type", b"application/json")


def requested_project(scope: Mapping[str, Any]) -> str | None:
    """The project a request names, however it names it: the ``project_id`` query parameter
    (the last one, as connexion reads a repeated parameter), whether or not its operation declares
    it, else the ``Project-Id`` header (the first one). Read from the request itself, not from the
    operation's parameters, so that no operation can leave out the project a client named and
    reach another project's data."""
    query_string = scope.get("query_string", b"")
    if b"project_id" in query_string:
        named = [v for k, v in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True) if k == "project_id"]
        if named and named[-1]:
            return named[-1]
    for name, value in scope["headers"]:
        if name == b"project-id":
            return value.decode("latin-1") or None
    return None


# the request a handler is answering, on either path (``Binding.result``): see ``base_url``
_request_scope: ContextVar[Mapping[str, Any]] = ContextVar("llamacloud_mock.request_scope")


def base_url() -> str:
    """The server's root URL as the client of the request being answered reached it, without its
    trailing slash ("http://127.0.0.1:8000"): what handlers put in the URLs they answer."""
    return str(Request(_request_scope.get()).base_url).rstrip("/")


class Binding(NamedTuple):
    """A handler of an adapter and its entry in the generated OPERATIONS; how both request paths
    (connexion's, and mockserver.fastpath's) call it."""

    handler: Callable[..., Awaitable[Any]]
    operation: Any  # generated.Operation
    passes_project: bool  # the handler names project_id and it is not a path parameter

    def validated_body(self, body: Any) -> Any:
        """The parsed JSON body as the operation's generated model; raises pydantic's ValidationError.
        Strict: a JSON value of the wrong type is an error, as the spec says (0 is not false)."""
        if self.operation.body_schema is None or body is None or isinstance(body, BaseModel):
            return body  # None: an optional body left out
        return self.operation.body_model.model_validate(body, strict=True)

    async def result(self, params: dict[str, Any], scope: Mapping[str, Any]) -> Any:
        """The handler's answer: JSON-ready data, or a starlette Response to send as is.
        ``params`` as connexion passes them (path and query parameters, ``body`` parsed);
        ``project_id``, to a handler that names it, unless a path parameter (the project read by
        the projects API), is the project the request names (``requested_project``)."""
        if "body" in params:
            params["body"] = self.validated_body(params["body"])
        if self.passes_project:
            params["project_id"] = requested_project(scope)
        token = _request_scope.set(scope)
        try:
            return await self.handler(**params)
        finally:
            _request_scope.reset(token)

    async def call(self, params: dict[str, Any], scope: Mapping[str, Any]) -> Response:
        result = await self.result(params, scope)
        return result if isinstance(result, Response) else JsonResponse(result)


class Handlers:
    """operationId -> handler for one API: the method of the same name on its adapter object
    (mockserver/api/), or, when there is none yet, the generated stub that answers 501.

    connexion calls it as its function resolver; the fast path reads the same ``bindings``: one per
    operation, whichever path a request takes.
    """

    def __init__(self, adapter: object, operations_module: ModuleType):
        self.operations_module = operations_module
        self.bindings: dict[str, Binding] = {}
        for operation_id, operation in operations_module.OPERATIONS.items():
            handler = getattr(adapter, operation_id, None)
            if handler is not None:
                names_project = "project_id" in inspect.signature(handler).parameters
                self.bindings[operation_id] = Binding(
                    handler, operation, names_project and "{project_id}" not in operation.path
                )

    def __call__(self, operation_id: str) -> Callable:
        binding = self.bindings.get(operation_id)
        if binding is None:
            return getattr(self.operations_module, operation_id)

        async def endpoint(**params: Any) -> Response:
            return await binding.call(params, request.scope)

        endpoint.__name__ = endpoint.__qualname__ = operation_id
        # connexion passes a function only what its signature names (and every path parameter):
        # a query parameter, a file part or a body the handler does not name is left out, as on the fast path
        endpoint.__signature__ = inspect.signature(binding.handler)
        return endpoint


class JsonBodyParser(JSONRequestBodyValidator):
    """Parses JSON bodies and leaves their validation to the generated models (see ``bind``)."""

    async def _parse(self, stream, scope) -> Any:
        raw = b"".join([chunk async for chunk in stream])
        if not raw.strip():
            return None
        try:
            return jsonio.loads(raw)
        except json.JSONDecodeError as e:
            error = error_item(("body", e.pos), "JSON decode error", "json_invalid", input={}, ctx={"error": e.msg})
        except ValueError as e:
            error = error_item(("body",), "JSON decode error", "json_invalid", input={}, ctx={"error": str(e)})
        raise RequestValidationError([error])

    async def wrap_receive(self, receive, *, scope):
        if self._required and not int(Headers(scope=scope).get("content-length", 0)):
            raise RequestValidationError([error_item(("body",), "Field required", "missing", input=None)])
        return await super().wrap_receive(receive, scope=scope)

    def _validate(self, body: Any) -> Any:
        if body is None and self._required:
            raise RequestValidationError([error_item(("body",), "Field required", "missing", input=None)])
        return body


class FastApiParameterValidator(ParameterValidator):
    """connexion's parameter checks, reporting every error at once with FastAPI's ``loc``."""

    def validate_request(self, request) -> None:
        checks = {
            "query": self.validate_query_parameter,
            "path": self.validate_path_parameter,
            "header": self.validate_header_parameter,
            "cookie": self.validate_cookie_parameter,
        }
        errors = []
        for where, check in checks.items():
            for param in self.parameters.get(where, []):
                message = check(param, request)
                if message:
                    errors.append(error_item((where, param["name"]), message.splitlines()[0], "value_error"))
        if errors:
            raise RequestValidationError(errors)


HTTP_METHODS = {"GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE"}


class RoutingMiddleware(ConnexionRoutingMiddleware):
    """connexion's routing, with every API that shares a base path reachable.

    connexion 3.3 chains an API to the ones already mounted at its base path by making each of
    them fall through to the newest, so with three specs under "/" the second was unreachable.
    Here each new API is chained after the last one instead. Mounts are kept longest base path
    first, so that the root ("/") does not shadow an API under /api/v1 (the seed profile).
    """

    def __init__(self, app) -> None:
        super().__init__(app)
        # (regex, number of path parameters, methods) of every path of every spec, and the same
        # paths with empty parameters ("/agents/" for "/agents/{id}")
        self.templates: list[tuple[re.Pattern, int, set[str]]] = []
        self.empty_templates: list[tuple[re.Pattern, set[str]]] = []

    def add_api(self, specification, base_path=None, arguments=None, **kwargs) -> None:
        api = RoutingAPI(specification, base_path=base_path, arguments=arguments, next_app=self.app, **kwargs)
        for path, item in specification.get("paths", {}).items():
            regex, _, _ = compile_path(api.base_path + path)
            methods = {m.upper() for m in item if m.upper() in HTTP_METHODS}
            self.templates.append((regex, path.count("{"), methods))
            if "{" in path:
                self.empty_templates.append((re.compile(regex.pattern.replace("[^/]+", "[^/]*")), methods))
        mounted = next((r for r in self.router.routes if isinstance(r, Mount) and r.path == api.base_path), None)
        if mounted is None:
            self.router.mount(api.base_path, app=api.router)
            self.router.routes.sort(key=lambda route: -len(getattr(route, "path", "")))
            return
        last = mounted.app
        while isinstance(last.default, Router):
            last = last.default
        last.default = api.router

    def _names_an_empty_id(self, method: str, path: str) -> bool:
        """``GET /agents/`` for ``GET /agents/{id}``: an object with an empty id, which does not
        exist (starlette would redirect to ``/agents``, the listing, or answer 405 there)."""
        if not path.endswith("/") or any(regex.match(path) for regex, _, _ in self.templates):
            return False
        return any(regex.match(path) and method in methods for regex, methods in self.empty_templates)

    def allowed_methods(self, path: str) -> list[str]:
        """The methods of the path template a request path belongs to: the most specific template
        matching it (``/:search`` rather than ``/{item_id}``), as the router would route it."""
        matches = [(params, methods) for regex, params, methods in self.templates if regex.match(path)]
        if not matches:
            return []
        fewest = min(params for params, _ in matches)
        allowed = set().union(*(methods for params, methods in matches if params == fewest))
        if "GET" in allowed:
            allowed.add("HEAD")
        return sorted(allowed)

    async def __call__(self, scope, receive, send) -> None:
        """A 405 lists in ``Allow`` every method of the path, not only those of the first route
        that matched it (starlette registers one route per operation); a request for an object
        whose id is empty is a 404, as for any id that names nothing."""
        if scope["type"] == "http" and self._names_an_empty_id(scope["method"], scope["path"]):
            raise HTTPException(404)
        try:
            await super().__call__(scope, receive, send)
        except HTTPException as e:
            if e.status_code != 405:
                raise
            headers = {**(e.headers or {}), "Allow": ", ".join(self.allowed_methods(scope["path"]))}
            raise HTTPException(405, e.detail, headers) from None


class CompleteMultiPartParser(MultiPartParser):
    """starlette's multipart parser, refusing a body that stops before its closing boundary
    (python-multipart takes what came as the whole form, so a cut upload read as a missing part)."""

    _ended = False

    def on_end(self) -> None:
        self._ended = True
        super().on_end()

    async def parse(self) -> FormData:
        form = await super().parse()
        if not self._ended:
            await form.close()
            raise MultiPartException("The multipart body ends before its closing boundary.")
        return form


class MultipartFormParser(MultiPartFormDataValidator):
    """connexion's multipart parsing, with FastAPI's errors: 422 for a missing part ("Field
    required"), also when there is no body at all, and 400 for a body that is not multipart, or
    that stops before its closing boundary."""

    @property
    def _form_parser_cls(self) -> type[MultiPartParser]:
        return CompleteMultiPartParser

    def _missing(self, body: Any) -> list[dict[str, Any]]:
        return [
            error_item(("body", name), "Field required", "missing", input=None)
            for name in self._schema.get("required", [])
            if name not in body
        ]

    async def wrap_receive(self, receive, *, scope):
        if self._required and not int(Headers(scope=scope).get("content-length", 0)):
            raise RequestValidationError(self._missing({}))
        return await super().wrap_receive(receive, scope=scope)

    async def _parse(self, stream, scope) -> Any:
        try:
            return await super()._parse(stream, scope)
        except MultiPartException:
            raise UnparseableBody() from None

    def _validate(self, body: Any) -> Any:
        errors = self._missing(body)
        for error in Draft4RequestValidator(self._schema).iter_errors(body):
            if error.validator != "required":
                errors.append(error_item(("body", *error.absolute_path), error.message, "value_error"))
        if errors:
            raise RequestValidationError(errors)
        return body


# OpenAPI 3.0's ``nullable: true`` also beside allOf/anyOf/oneOf (connexion honours it only
# beside type and enum), so that a nullable reference (``allOf: [$ref], nullable: true``) may be null.
NullableResponseValidator = extend(
    Draft4ResponseValidator,
    {k: allow_nullable(Draft4ResponseValidator.VALIDATORS[k]) for k in ("allOf", "anyOf", "oneOf")},
)


class JsonResponseChecker(JSONResponseBodyValidator):
    @property
    def validator(self) -> Draft4Validator:
        return NullableResponseValidator(self._schema, format_checker=Draft4Validator.FORMAT_CHECKER)


VALIDATOR_MAP = {
    "parameter": FastApiParameterValidator,
    "body": MediaTypeDict(
        {
            "*/*json": JsonBodyParser,
            "application/x-www-form-urlencoded": FormDataValidator,
            "multipart/form-data": MultipartFormParser,
        }
    ),
    "response": MediaTypeDict(
        {
            "*/*json": JsonResponseChecker,
            "text/plain": TextResponseBodyValidator,
        }
    ),
}
