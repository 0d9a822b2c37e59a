"""The harness layer: the outermost ASGI middleware of the fake (mockserver/app.py).

For every HTTP request it adds the ``LlamaCloud-Mock-Version`` header to the response. Then:

* under ``/_mock/`` (the admin API): when the server has an admin key (``--admin-key``), every
  operation but health and readiness needs ``Authorization: Bearer <admin key>``, else 401;
  admin requests are never journaled nor faulted;
* anywhere else: the request is recorded in the journal, then the fault rules are applied, and
  only then does it reach authentication, routing and the APIs. Faults therefore act before the
  bearer token is checked, as a gateway's 503 or 429 would, and a request a fault answered is
  in the journal with the fault's id.

With no rule set, the cost is one list check; with the journal off (``--journal-size 0``) no
wrapper is added at all beyond the version header.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver import __version__
from mockserver.admin.faults import FaultRule, FaultRules
from mockserver.admin.journal import Entry, Journal
from mockserver.admin.operations import OperationIndex
from mockserver.auth import bearer_token

ADMIN_PREFIX = "/_mock/"
OPEN_ADMIN_PATHS = frozenset({"/_mock/health", "/_mock/ready"})
VERSION_HEADER = "LlamaCloud-Mock-Version"
_VERSION = (VERSION_HEADER.lower().encode(), __version__.encode())


class ConnectionDropped(Exception):
    """A fault rule dropped the connection of a request served in process (no socket to close).

    The in-process transports (mockserver.testing) turn it into ``httpx.RemoteProtocolError``,
    what httpx raises when a server closes the connection without answering.
    """


def _json_response_messages(status: int, body: Any, headers: dict[str, str] | None = None) -> list[Message]:
    payload = orjson.dumps(body)
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    taken = {b"content-type", b"content-length"}
    for name, value in (headers or {}).items():
        key = name.lower().encode("latin-1")
        if key in taken:
            raw = [h for h in raw if h[0] != key]
        raw.append((key, str(value).encode("latin-1")))
    return [
        {"type": "http.response.start", "status": status, "headers": raw},
        {"type": "http.response.body", "body": payload},
    ]


class HarnessMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        journal: Journal,
        faults: FaultRules,
        operations: Callable[[], OperationIndex],
        admin_key: str | None = None,
    ):
        self.app = app
        self.journal = journal
        self.faults = faults
        self.admin_key = admin_key
        self.operations = operations  # which operation a request is (mockserver/admin/operations.py)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_send = send
        path: str = scope["path"]
        entry: Entry | None = None
        if path.startswith(ADMIN_PREFIX):
            if self.admin_key and path not in OPEN_ADMIN_PATHS and bearer_token(scope["headers"]) != self.admin_key:
                await self._send_all(_versioned(raw_send, None), _admin_refused(bearer_token(scope["headers"])))
                return
            send = _versioned(raw_send, None)
        else:
            if self.journal.enabled:
                entry = self.journal.start(scope)
                receive = _recording(receive, entry)
            send = _versioned(raw_send, entry)
            if self.faults.rules:
                method = scope["method"]
                operation = self.operations().find(method, path) if self.faults.need_operation else None
                rule = self.faults.pick(method, path, operation)
                if rule is not None:
                    if entry is not None:
                        entry.fault = rule.id
                    handled = await self._act(rule, receive, send, raw_send, entry)
                    if handled:
                        if entry is not None:
                            entry.finish(entry.status)  # its duration too (a dropped one is finished already)
                        return
        try:
            await self.app(scope, receive, send)
        finally:
            if entry is not None:
                entry.finish(entry.status)

    async def _act(self, rule: FaultRule, receive: Receive, send: Send, raw_send: Send, entry: Entry | None) -> bool:
        """Apply the rule; True when it answered (or dropped) the request itself."""
        if rule.latency:
            await asyncio.sleep(rule.latency)
        if rule.status is None and not rule.drop:
            return False
        if entry is not None:
            await _drain(receive)  # so that the journal holds the body of a faulted request too
        if rule.drop:
            if entry is not None:
                entry.finish(None)
            await _drop(raw_send)
            return True
        await self._send_all(send, _json_response_messages(rule.status, rule.response_body(), rule.headers))
        return True

    @staticmethod
    async def _send_all(send: Send, messages: list[Message]) -> None:
        for message in messages:
            await send(message)


def _admin_refused(token: str | None) -> list[Message]:
    problem = (
        "Missing admin key: this server was started with --admin-key, so its admin API needs the header "
        "'Authorization: Bearer <admin key>'."
        if token is None
        else "Invalid admin key: send the key given to the server with --admin-key."
    )
    return _json_response_messages(401, {"detail": problem}, {"www-authenticate": "Bearer"})


def _versioned(send: Send, entry: Entry | None) -> Send:
    """send, adding the version header; with an entry, the response is recorded in it too."""
    if entry is None:

        async def versioned_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), _VERSION]
            await send(message)

        return versioned_send

    async def recording_send(message: Message) -> None:
        if message["type"] == "http.response.body":
            entry.add_response(message)
        elif message["type"] == "http.response.start":
            message["headers"] = headers = [*message.get("headers", ()), _VERSION]
            entry.respond(message["status"], headers)
        await send(message)

    return recording_send


def _recording(receive: Receive, entry: Entry) -> Receive:
    async def recording_receive() -> Message:
        message = await receive()
        if message["type"] == "http.request":
            entry.add_body(message.get("body", b""))
        return message

    return recording_receive


async def _drain(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


async def _drop(send: Send) -> None:
    """Close the connection without a response.

    Over a socket (uvicorn), the server's transport is aborted; once uvicorn has seen the
    connection go, it sends nothing more. In process there is no connection: ConnectionDropped
    tells the transport to fail the request as a dropped connection would.
    """
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise ConnectionDropped("llamacloud-mock dropped the connection (fault rule)")
    transport.abort()
    for _ in range(100):  # connection_lost runs on the next turns of the event loop
        if getattr(cycle, "disconnected", True):
            return
        await asyncio.sleep(0)
