"""From a spec's operationIds to handlers: the glue between connexion and the wire adapters.

Each operationId resolves to the method of the same name on the API's adapter object
(mockserver/api/), or, when there is none yet, to the generated stub that answers 501. Around
each handler: the request body is validated by the generated pydantic model of the operation
(so 422 errors read exactly like FastAPI's), the project is resolved from the ``project_id``
query parameter or the ``Project-Id`` header, and the result is encoded as JSON (mockserver/jsonio.py).
A handler may also return a starlette Response (raw bytes, an empty 204), which is sent as is.

Multipart bodies reach handlers as connexion passes them: form fields in ``body`` (a dict),
file parts as starlette ``UploadFile`` keyword arguments named after their fields.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

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
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.routing import Mount, Router

from mockserver import jsonio
from mockserver.errors import RequestValidationError, error_item


class JsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return jsonio.dumps(content)


def bind(handler: Callable, body_model: type | None) -> Callable:
    async def endpoint(**params: Any) -> Response:
        if body_model is not None:
            # strict: a JSON value of the wrong type is an error, as the spec says (0 is not false)
            params["body"] = body_model.model_validate(params.get("body"), strict=True)
        params["project_id"] = params.get("project_id") or request.headers.get("project-id")
        result = await handler(**params)
        return result if isinstance(result, Response) else JsonResponse(result)

    endpoint.__name__ = endpoint.__qualname__ = handler.__name__
    return endpoint


def resolver_for(adapter: object, operations_module: ModuleType) -> Callable[[str], Callable]:
    operations = operations_module.OPERATIONS

    def resolve(operation_id: str) -> Callable:
        handler = getattr(adapter, operation_id, None)
        if handler is None:
            return getattr(operations_module, operation_id)
        return bind(handler, operations[operation_id].body_model)

    return resolve


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


class RoutingMiddleware(ConnexionRoutingMiddleware):
    """connexion's routing, with every API that shares a base path reachable.

    connexion 3.3 chains an API to the ones already mounted at its base path by making each of
    them fall through to the newest, so with three specs under "/" the second was unreachable.
    Here each new API is chained after the last one instead.
    """

    def add_api(self, specification, base_path=None, arguments=None, **kwargs) -> None:
        api = RoutingAPI(specification, base_path=base_path, arguments=arguments, next_app=self.app, **kwargs)
        mounted = next((r for r in self.router.routes if isinstance(r, Mount) and r.path == api.base_path), None)
        if mounted is None:
            self.router.mount(api.base_path, app=api.router)
            return
        last = mounted.app
        while isinstance(last.default, Router):
            last = last.default
        last.default = api.router


class MultipartFormParser(MultiPartFormDataValidator):
    """connexion's multipart parsing, with FastAPI's 422 errors (a missing part: "Field required")."""

    def _validate(self, body: Any) -> Any:
        missing = [name for name in self._schema.get("required", []) if name not in body]
        errors = [error_item(("body", name), "Field required", "missing", input=None) for name in missing]
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
