"""Error responses in the real API's shapes (FastAPI): ``{"detail": "..."}`` or, for 422,
``{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}``.

Every failure a request can cause is mapped here, so that no client ever sees connexion's
problem+json bodies or a 500 for bad input.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Mapping
from typing import Any

import pydantic
from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.middleware import server_error as connexion_server_error
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response as StarletteResponse

from mockserver import jsonio
from mockserver.domain.errors import AccessDenied, Conflict, InvalidField, NotFound, PayloadTooLarge

log = logging.getLogger("llamacloud_mock")


class RequestValidationError(Exception):
    """A request that does not fit the spec; ``errors`` are FastAPI error items."""

    def __init__(self, errors: list[dict[str, Any]]):
        super().__init__(errors)
        self.errors = errors


class UnparseableBody(Exception):
    """A body that cannot be parsed as its content type says (a broken multipart body)."""


def error_item(loc: tuple | list, msg: str, type_: str, **extra: Any) -> dict[str, Any]:
    return {"type": type_, "loc": list(loc), "msg": msg, **extra}


def json_response(body: Any, status: int, headers: dict[str, str] | None = None) -> ConnexionResponse:
    return ConnexionResponse(
        status_code=status, body=jsonio.dumps(body), content_type="application/json", headers=headers or {}
    )


def _detail(status: int, detail: Any, headers: dict[str, str] | None = None) -> ConnexionResponse:
    return json_response({"detail": detail}, status, headers)


def pydantic_errors(exc: pydantic.ValidationError, prefix: tuple = ("body",)) -> list[dict[str, Any]]:
    """FastAPI's rendering of a pydantic error (its ``input`` kept, its ``ctx`` and ``url`` dropped)."""
    return [
        error_item((*prefix, *e["loc"]), e["msg"], e["type"], input=e.get("input"))
        for e in exc.errors(include_url=False, include_context=False)
    ]


def on_request_validation(_request: ConnexionRequest, exc: RequestValidationError) -> ConnexionResponse:
    return _detail(422, exc.errors)


def on_pydantic_validation(_request: ConnexionRequest, exc: pydantic.ValidationError) -> ConnexionResponse:
    return _detail(422, pydantic_errors(exc))


def on_unparseable_body(_request: ConnexionRequest, _exc: UnparseableBody) -> ConnexionResponse:
    """FastAPI's answer to a form or multipart body it cannot parse."""
    return _detail(400, "There was an error parsing the body")


def on_invalid_field(_request: ConnexionRequest, exc: InvalidField) -> ConnexionResponse:
    return _detail(422, [error_item(exc.loc, exc.msg, exc.type)])


def on_not_found(_request: ConnexionRequest, exc: NotFound) -> ConnexionResponse:
    return _detail(404, str(exc))


def on_conflict(_request: ConnexionRequest, exc: Conflict) -> ConnexionResponse:
    """409, with ``x-should-retry: false``: Stainless clients retry a bare 409 five times."""
    return _detail(409, str(exc), {"x-should-retry": "false"})


def on_too_large(_request: ConnexionRequest, exc: PayloadTooLarge) -> ConnexionResponse:
    return _detail(413, str(exc))


def on_access_denied(_request: ConnexionRequest, exc: AccessDenied) -> ConnexionResponse:
    return _detail(403, str(exc))


def on_problem(_request: ConnexionRequest, exc: ProblemException) -> ConnexionResponse:
    """connexion's own errors (authentication, unsupported media type...) in FastAPI's shape."""
    return _detail(exc.status, exc.detail or exc.title, dict(exc.headers or {}))


# A path with the API's prefix after something else: a client given `.../api/v1` as its base URL
# (the SDKs add /api/v1 themselves), e.g. /api/v1/api/v1/beta/agent-data.
_PREFIXED_TWICE = re.compile(r"^(?P<base>/.*?)/api/v\d+(/|$)")


def on_http_exception(request: ConnexionRequest, exc: HTTPException) -> ConnexionResponse:
    """Routing errors: unknown path (404) and unknown method (405), as FastAPI words them; a 404 of a
    client whose base URL holds a path says which base URL to give it instead."""
    detail = {404: "Not Found", 405: "Method Not Allowed"}.get(exc.status_code, exc.detail)
    if exc.status_code == 404:
        misplaced = _PREFIXED_TWICE.match(request.url.path)
        if misplaced:
            root = f"{request.url.scheme}://{request.url.netloc}"
            detail = (
                f"Not Found: no API is served under {misplaced['base']}. The API's base URL is the server's root: "
                f"give the client {root}, not {root}{misplaced['base']} (the SDKs add /api/v1 themselves)."
            )
    return _detail(exc.status_code, detail, dict(exc.headers or {}))


def on_unexpected(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    log.exception("unexpected error while answering a request")
    return _detail(
        500,
        f"llamacloud-mock failed unexpectedly ({type(exc).__name__}: {exc}). This is a bug in the fake: "
        "please report it with the request that caused it. No data was changed by this request.",
    )


class ServerErrorMiddleware(connexion_server_error.ServerErrorMiddleware):
    """connexion's last resort, for an exception no handler above answered (one raised while an
    error was being rendered): a 500 in the API's shape. connexion's own is a coroutine function
    that starlette 1.x calls without awaiting, which answered a bare text/plain 500."""

    def error_response(self, request: Any, exc: Exception) -> StarletteResponse:
        response = on_unexpected(request, exc)
        return StarletteResponse(response.body, response.status_code, media_type="application/json")


ERROR_HANDLERS: list[tuple[Any, Any]] = [
    (RequestValidationError, on_request_validation),
    (UnparseableBody, on_unparseable_body),
    (pydantic.ValidationError, on_pydantic_validation),
    (InvalidField, on_invalid_field),
    (NotFound, on_not_found),
    (Conflict, on_conflict),
    (PayloadTooLarge, on_too_large),
    (AccessDenied, on_access_denied),
    (ProblemException, on_problem),
    (HTTPException, on_http_exception),
    (Exception, on_unexpected),
]


def error_handlers(statuses: Mapping[int, int] | None = None, prefix: str = "/api/") -> list[tuple[Any, Any]]:
    """ERROR_HANDLERS, with the status of each error answered under ``prefix`` translated through
    ``statuses`` (for a profile whose spec declares 400 where the real API answers 422)."""
    if not statuses:
        return list(ERROR_HANDLERS)

    def translated(handler):
        @functools.wraps(handler)
        def handle(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
            response = handler(request, exc)
            if request.url.path.startswith(prefix):
                response.status_code = statuses.get(response.status_code, response.status_code)
            return response

        return handle

    return [(exception, translated(handler)) for exception, handler in ERROR_HANDLERS]


class ErrorRenderer:
    """``handlers`` (``error_handlers()``) applied outside connexion, as its ExceptionMiddleware
    applies them: the handler of the exception's nearest class answers (mockserver/fastpath.py)."""

    def __init__(self, handlers: list[tuple[Any, Any]]):
        self.handlers = dict(handlers)

    def __call__(self, scope: Any, exc: Exception) -> StarletteResponse:
        handler = next(self.handlers[cls] for cls in type(exc).__mro__ if cls in self.handlers)
        response = handler(Request(scope), exc)
        # as connexion's ExceptionMiddleware turns a ConnexionResponse into starlette's
        return StarletteResponse(
            response.body, response.status_code, media_type=response.mimetype, headers=response.headers
        )
