"""From a spec's operationIds to handlers: the glue between connexion and the wire adapters.

Each operationId resolves to the method of the same name on the API's adapter object
(mockserver/api/), or, when there is none yet, to the generated stub that answers 501. Around
each handler: the request body is validated by the generated pydantic model of the operation
(so 422 errors read exactly like FastAPI's), the project is resolved from the ``project_id``
query parameter or the ``Project-Id`` header, and the result is encoded with orjson.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import orjson
from connexion import request
from connexion.datastructures import MediaTypeDict
from connexion.validators import (
    FormDataValidator,
    JSONRequestBodyValidator,
    MultiPartFormDataValidator,
    ParameterValidator,
)
from starlette.datastructures import Headers
from starlette.responses import Response

from mockserver.errors import RequestValidationError, error_item


class JsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def bind(handler: Callable, body_model: type | None) -> Callable:
    async def endpoint(**params: Any) -> Response:
        if body_model is not None:
            params["body"] = body_model.model_validate(params.get("body"))
        params["project_id"] = params.get("project_id") or request.headers.get("project-id")
        return JsonResponse(await handler(**params))

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
            return orjson.loads(raw)
        except orjson.JSONDecodeError as e:
            raise RequestValidationError(
                [error_item(("body", e.pos), "JSON decode error", "json_invalid", input={}, ctx={"error": e.msg})]
            ) from None

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


VALIDATOR_MAP = {
    "parameter": FastApiParameterValidator,
    "body": MediaTypeDict(
        {
            "*/*json": JsonBodyParser,
            "application/x-www-form-urlencoded": FormDataValidator,
            "multipart/form-data": MultiPartFormDataValidator,
        }
    ),
}
