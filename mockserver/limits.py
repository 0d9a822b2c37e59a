"""The door: what every request body meets before anything else reads it (docs/limits.md).

* **Size.** A body larger than ``--max-body-size`` bytes answers 413 ``{"detail": "..."}``, read no
  further (at once when its Content-Length says so). Multipart uploads are left to
  ``--max-file-size``, which the file stores check; the admin API (/_mock/: snapshots, fixtures) to
  its operator.
* **Nesting.** A JSON body nested deeper than ``--max-json-depth`` levels answers 400, as FastAPI
  answers a body it cannot parse, with a message naming the limit. Nothing deeper is ever stored or
  journaled, so no search, sort, aggregate, snapshot or journal read meets a value too deep for it.
* **No Content-Type.** A body sent without one is read as JSON, as FastAPI reads it (up to 0.131;
  0.132 made that optional): ``requests.post(url, data=json.dumps(...))`` sends none.

It is the outermost layer (mockserver/app.py): a refused request reaches neither the request
journal, nor the fault rules, nor any API. A request without a body, or with a multipart body,
passes through untouched; another body is read here (then handed on whole) only when a check
needs it: not when its Content-Length tells its size and is too short to nest past the limit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver import __version__
from mockserver.admin.middleware import VERSION_HEADER

DEFAULT_MAX_BODY_SIZE = 10 * 1024 * 1024  # bytes (--max-body-size)
DEFAULT_MAX_JSON_DEPTH = 100  # levels of arrays and objects (--max-json-depth)
# The deepest --max-json-depth may be: orjson, which sorts and groups stored values, writes at most
# 255 levels (beyond, searches sorted or grouped on a value answered 500).
MAX_JSON_DEPTH = 200
ADMIN_PREFIX = "/_mock/"

_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_PAIR = re.compile(rb"\[\]|\{\}")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_JSON_CONTENT_TYPE = (b"content-type", b"application/json")
_JSON_MEDIA_TYPE = re.compile(r"^application/(?:[\w.+-]+\+)?json$")


def too_deep(body: bytes, limit: int) -> bool:
    """Whether the JSON in ``body`` nests arrays and objects deeper than ``limit`` levels.

    A body holding no more brackets than the limit cannot be deeper (two C-speed counts: the
    usual case costs nothing). Otherwise strings are cut out and the brackets left are paired up
    innermost first, one level per pass: a body still holding brackets after ``limit`` passes is
    deeper. Brackets that never pair up are not JSON, which the parser refuses on its own.
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    brackets = _STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    for _ in range(limit):
        paired = _PAIR.sub(b"", brackets)  # one scan: pairs it uncovers wait for the next pass
        if len(paired) == len(brackets):
            return False  # unbalanced: not JSON
        brackets = paired
    return _PAIR.search(brackets) is not None  # brackets left that pair up: deeper; none: not JSON


class TooLarge(Exception):
    """A body that grew past the size limit while it was read."""


class RequestLimits:
    def __init__(
        self,
        app: ASGIApp,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
        max_json_depth: int = DEFAULT_MAX_JSON_DEPTH,
        statuses: Mapping[int, int] | None = None,
    ):
        self.app = app
        self.max_body_size = max_body_size  # 0: no limit
        self.max_json_depth = max_json_depth  # 0: no limit
        self.statuses = statuses or {}  # a profile's translation of statuses under /api/

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(reversed(scope["headers"]))  # the first of repeated headers, as starlette reads them
        content_type = headers.get(b"content-type")
        content_length = headers.get(b"content-length")
        bodiless = content_length in (None, b"0") and b"transfer-encoding" not in headers
        if bodiless or (content_type is not None and content_type[:10].lower() == b"multipart/"):
            await self.app(scope, receive, send)
            return
        if content_type is None:  # JSON, as FastAPI reads a body without one
            scope = {**scope, "headers": [*scope["headers"], _JSON_CONTENT_TYPE]}
        limit = 0 if scope["path"].startswith(ADMIN_PREFIX) else self.max_body_size
        length = int(content_length) if content_length is not None and content_length.isdigit() else None
        if limit and length is not None and length > limit:
            await self._refuse(scope, send, 413, self._size_message(length))
            return
        # Read the body only when a check needs it. The server hands on no more bytes than
        # Content-Length says; and nesting d levels takes 2d bytes, so a body shorter than twice
        # the depth limit cannot break it (most creates: they pass as if there were no door).
        size_known = length is not None or not limit
        shallow = not self.max_json_depth or (length is not None and length < 2 * (self.max_json_depth + 1))
        if size_known and shallow:
            await self.app(scope, receive, send)
            return
        message = await receive()
        if message["type"] == "http.request" and not message.get("more_body", False):
            body = message.get("body", b"")  # the usual case: the whole body in one message
            if limit and len(body) > limit:
                await self._refuse(scope, send, 413, self._size_message(None))
                return
            pending = [message]
        else:
            try:
                body, pending = await _read(message, receive, limit)
            except TooLarge:
                await self._refuse(scope, send, 413, self._size_message(None))
                return
        if self.max_json_depth and too_deep(body, self.max_json_depth) and _is_json(content_type):
            await self._refuse(
                scope,
                send,
                400,
                f"The JSON body is nested deeper than {self.max_json_depth} levels of arrays and objects, "
                "this server's limit (--max-json-depth): send a flatter document.",
            )
            return
        await self.app(scope, _replaying(pending, receive), send)

    def _size_message(self, size: int | None) -> str:
        told = f" ({size:,} bytes)" if size is not None else ""
        return (
            f"Request body too large{told}: this server accepts at most {self.max_body_size:,} bytes "
            "(--max-body-size). Send a smaller body, or start the server with a larger --max-body-size."
        )

    async def _refuse(self, scope: Scope, send: Send, status: int, detail: str) -> None:
        if scope["path"].startswith("/api/"):
            status = self.statuses.get(status, status)
        payload = orjson.dumps({"detail": detail})
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode()),
            (VERSION_HEADER.lower().encode(), __version__.encode()),
        ]
        # the body is not read to its end: the connection closes after the answer
        if status == 413:
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})


def _is_json(content_type: bytes | None) -> bool:
    if content_type is None:
        return True
    return _JSON_MEDIA_TYPE.match(content_type.decode("latin-1").split(";")[0].strip().lower()) is not None


async def _read(first: Message, receive: Receive, limit: int) -> tuple[bytes, list[Message]]:
    """The whole body, from its first message on (TooLarge past ``limit`` bytes, when there is
    one), and the messages to hand on: the body in one, then any that is not part of it (a
    disconnect)."""
    chunks: list[bytes] = []
    size = 0
    message = first
    while True:
        if message["type"] != "http.request":
            body = b"".join(chunks)
            return body, [{"type": "http.request", "body": body, "more_body": False}, message]
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit and size > limit:
            raise TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            body = b"".join(chunks)
            return body, [{"type": "http.request", "body": body, "more_body": False}]
        message = await receive()


def _replaying(pending: list[Message], receive: Receive) -> Receive:
    async def replaying_receive() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replaying_receive
