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
passes through untouched; any other body is read here once and handed on whole.
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
ADMIN_PREFIX = "/_mock/"

_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_PAIR = re.compile(rb"\[\]|\{\}")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
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
    pass


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
        content_type = content_length = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-type" and content_type is None:
                content_type = value.decode("latin-1")
            elif name == b"content-length":
                content_length = value
            elif name == b"transfer-encoding":
                chunked = True
        media_type = (content_type or "").split(";")[0].strip().lower()
        if (not chunked and content_length in (None, b"0")) or media_type.startswith("multipart/"):
            await self.app(scope, receive, send)
            return
        admin = scope["path"].startswith(ADMIN_PREFIX)
        limit = 0 if admin else self.max_body_size
        if limit and content_length is not None and content_length.isdigit() and int(content_length) > limit:
            await self._refuse(scope, send, 413, self._size_message(int(content_length)))
            return
        try:
            body, more = await _read(receive, limit)
        except TooLarge:
            await self._refuse(scope, send, 413, self._size_message(None))
            return
        json_like = content_type is None or _JSON_MEDIA_TYPE.match(media_type) is not None
        if json_like and self.max_json_depth and too_deep(body, self.max_json_depth):
            await self._refuse(
                scope,
                send,
                400,
                f"The JSON body is nested deeper than {self.max_json_depth} levels of arrays and objects, "
                "this server's limit (--max-json-depth): send a flatter document.",
            )
            return
        if content_type is None and body:
            scope = {**scope, "headers": [*scope["headers"], (b"content-type", b"application/json")]}
        await self.app(scope, _replaying(body, more, receive), send)

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


async def _read(receive: Receive, limit: int) -> tuple[bytes, list[Message]]:
    """The whole body (TooLarge past ``limit`` bytes, when there is one), and any message that is
    not part of it (a disconnect), to pass on after it."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), [message]
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit and size > limit:
            raise TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), []


def _replaying(body: bytes, more: list[Message], receive: Receive) -> Receive:
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}, *more]

    async def replaying_receive() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replaying_receive
