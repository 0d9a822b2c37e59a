"""Deliberate drift: the fake departing from its own specs, on demand.

A fixture of the contract harness's tests (tests/contracts/test_contract_drift.py), which wrap the fake in it
to prove that each kind of drift a real API could show is caught and reported with its
operation and JSON path: a field of the wrong type, a status code the spec does not declare, a
required field missing, an enum value the spec does not list. Every drift is applied in one
place, this ASGI middleware, which rewrites the matching 2xx JSON answers on their way out
(``DriftMiddleware(create_app(config), drifts=("wrong-type",))``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass(frozen=True)
class Drift:
    description: str
    method: str
    path: re.Pattern
    change: Callable[[Any], Any] | None = None  # the JSON body, changed
    status: int | None = None  # the status answered instead of the spec's


def _set(name: str, value: Any) -> Callable[[Any], Any]:
    def change(body: Any) -> Any:
        if isinstance(body, dict):
            body[name] = value
        return body

    return change


def _drop(name: str) -> Callable[[Any], Any]:
    def change(body: Any) -> Any:
        if isinstance(body, dict):
            body.pop(name, None)
        return body

    return change


RECORD = re.compile(r"^/api/v1/beta/agent-data/(?!:)[^/]+$")
DRIFTS = {
    "wrong-type": Drift(
        "GET /api/v1/beta/agent-data/{item_id} answers created_at as a number (epoch seconds), not a string",
        "GET",
        RECORD,
        change=_set("created_at", 1700000000),
    ),
    "undocumented-status": Drift(
        "POST /api/v1/beta/agent-data answers 201, which its spec does not declare (only 200)",
        "POST",
        re.compile(r"^/api/v1/beta/agent-data$"),
        status=201,
    ),
    "missing-field": Drift(
        "GET /api/v1/beta/agent-data/{item_id} leaves out the required project_id",
        "GET",
        RECORD,
        change=_drop("project_id"),
    ),
    "extra-enum": Drift(
        'GET /api/v1/extraction/extraction-agents/default answers custom_configuration "custom", not in its enum',
        "GET",
        re.compile(r"^/api/v1/extraction/extraction-agents/default$"),
        change=_set("custom_configuration", "custom"),
    ),
}


def check_names(names: tuple[str, ...]) -> None:
    unknown = [name for name in names if name not in DRIFTS]
    if unknown:
        raise ValueError(f"unknown drift {', '.join(unknown)}: choose among {', '.join(DRIFTS)}")


class DriftMiddleware:
    def __init__(self, app: ASGIApp, drifts: tuple[str, ...] = ()):
        check_names(drifts)
        self.app = app
        self.drifts = [DRIFTS[name] for name in drifts]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        drifts = [d for d in self.drifts if d.method == scope["method"] and d.path.match(scope["path"])]
        if not drifts:
            await self.app(scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            await _send_drifted(send, start, b"".join(chunks), drifts)

        await self.app(scope, receive, capture)


async def _send_drifted(send: Send, start: Message, body: bytes, drifts: list[Drift]) -> None:
    status = start["status"]
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
    if 200 <= status < 300:
        for drift in drifts:
            if drift.change is not None:
                try:
                    body = orjson.dumps(drift.change(orjson.loads(body)))
                except orjson.JSONDecodeError:
                    pass
            if drift.status is not None:
                status = drift.status
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
