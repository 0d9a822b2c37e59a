"""The request journal: what clients sent, for verification, in a capped ring buffer.

Every request outside the admin API (``/_mock/``) is recorded when it arrives: method, path,
query string, headers (their first ``MAX_HEADER_BYTES``, names and values counted: a header
crossing the limit is cut, later ones are left out) and body (its first ``MAX_BODY_BYTES``), then
its status (``null`` for a dropped connection), its duration and the fault rule that answered it,
if any; ``headers_truncated`` and ``body_truncated`` say when something was cut. The response is
recorded too: its headers and its body's first ``MAX_BODY_BYTES``, unless it was sent in parts (a
stream: server-sent events, NDJSON, a large file), whose body is never kept: ``response_streamed``
says so. Keeping a body costs a reference to the bytes sent (a copy only beyond the cap), nothing
is parsed until the journal is read. The journal keeps the last ``size`` requests
(``--journal-size``, default 1000; 0 turns it off) so a long run never grows it without bound
(WireMock's unbounded journal is a classic out-of-memory in CI): at most ``size`` x (64 + 16 + 64)
KiB plus the response headers, however large the requests and responses.

Queries select by method, path (a glob: ``*`` matches any characters, ``/`` included),
operation (an operationId), status, a substring of the body, or a JSON body that contains
given values (``{"deployment_name": "x"}`` matches any JSON body with that member).
"""

from __future__ import annotations

import fnmatch
import re
import time
from collections import deque
from collections.abc import Callable
from itertools import chain, takewhile
from typing import Any

from starlette.types import Message

from mockserver import jsonio
from mockserver.domain.clock import format_epoch

DEFAULT_JOURNAL_SIZE = 1000
MAX_BODY_BYTES = 64 * 1024
# h11 refuses a request head over 16 KiB; httptools and in-process transports take any size
MAX_HEADER_BYTES = 16 * 1024


def capped_headers(headers: list[tuple[bytes, bytes]]) -> tuple[list[tuple[bytes, bytes]], bool]:
    """(the headers within MAX_HEADER_BYTES, names and values counted; whether any was cut)."""
    if sum(map(len, chain.from_iterable(headers))) <= MAX_HEADER_BYTES:
        return headers, False  # the usual case, counted in C
    total = 0
    for index, (name, value) in enumerate(headers):
        total += len(name) + len(value)
        if total > MAX_HEADER_BYTES:
            room = MAX_HEADER_BYTES - (total - len(value))
            kept = list(headers[:index])
            if room > 0:
                kept.append((name, value[:room]))
            return kept, True
    return headers, False


class Entry:
    __slots__ = (
        "seq",
        "received_at",
        "method",
        "path",
        "query",
        "headers",
        "headers_truncated",
        "body",
        "body_size",
        "status",
        "duration_ms",
        "fault",
        "started",
        "operation",
        "response_headers",
        "response_body",
        "response_size",
        "response_streamed",
    )

    def __init__(self, seq: int, scope: dict[str, Any]):
        self.seq = seq
        self.received_at = time.time()
        self.started = time.perf_counter()
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        self.query: bytes = scope.get("query_string", b"")
        self.headers, self.headers_truncated = capped_headers(scope.get("headers", []))
        self.body = bytearray()
        self.body_size = 0
        self.status: int | None = None
        self.duration_ms: float | None = None
        self.fault: str | None = None
        self.operation: str | None | bool = False  # False: not looked up yet
        self.response_headers: list[tuple[bytes, bytes]] = []
        self.response_body = b""
        self.response_size = 0
        self.response_streamed = False

    # -- filled in as the request goes
    def add_body(self, chunk: bytes) -> None:
        self.body_size += len(chunk)
        room = MAX_BODY_BYTES - len(self.body)
        if room > 0:
            self.body += chunk[:room]

    def respond(self, status: int, headers: list[tuple[bytes, bytes]]) -> None:
        self.status = status
        self.response_headers = headers

    def add_response(self, message: Message) -> None:
        """One ``http.response.body`` message: the body kept when it comes whole (more_body unset)."""
        chunk = message.get("body", b"")
        self.response_size += len(chunk)
        if self.response_streamed:
            return
        if message.get("more_body") or self.response_body:
            self.response_streamed, self.response_body = True, b""
        elif len(chunk) <= MAX_BODY_BYTES and type(chunk) is bytes:
            self.response_body = chunk  # a reference: the usual case costs no copy
        else:
            self.response_body = bytes(chunk[:MAX_BODY_BYTES])

    def finish(self, status: int | None) -> None:
        if self.duration_ms is None:
            self.status = status
            self.duration_ms = round((time.perf_counter() - self.started) * 1000, 3)

    # -- read back
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json_body(self) -> Any:
        """The body parsed as JSON, or None when it is not JSON (or was cut)."""
        return _json(self.body, self.body_size)

    def operation_id(self, find: Callable[[str, str], str | None]) -> str | None:
        if self.operation is False:
            self.operation = find(self.method, self.path)
        return self.operation  # type: ignore[return-value]

    def to_dict(self, find: Callable[[str, str], str | None]) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "received_at": format_epoch(self.received_at),
            "method": self.method,
            "path": self.path,
            "query": self.query.decode("latin-1"),
            "operation": self.operation_id(find),
            "headers": _header_dict(self.headers),
            "headers_truncated": self.headers_truncated,
            "body": _shown(self.body, self.body_size),
            "body_size": self.body_size,
            "body_truncated": self.body_size > len(self.body),
            "status": self.status,
            "duration_ms": self.duration_ms,
            "fault": self.fault,
            "response_headers": _header_dict(self.response_headers),
            "response_body": _shown(self.response_body, self.response_size),
            "response_body_size": self.response_size,
            "response_body_truncated": not self.response_streamed and self.response_size > len(self.response_body),
            "response_streamed": self.response_streamed,
        }


def _header_dict(headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """Headers by lower-case name, repeated ones joined with commas."""
    joined: dict[str, str] = {}
    for name, value in headers:
        key, text = name.decode("latin-1").lower(), value.decode("latin-1")
        joined[key] = f"{joined[key]}, {text}" if key in joined else text
    return joined


def _json(kept: bytes | bytearray, size: int) -> Any:
    """A body parsed as JSON, or None when it is empty, not JSON or was cut."""
    if not kept or size > len(kept):
        return None
    try:
        return jsonio.loads(bytes(kept))
    except ValueError:
        return None


def _shown(kept: bytes | bytearray, size: int) -> Any:
    """A body as the journal shows it: parsed when JSON, else as text; None when empty."""
    parsed = _json(kept, size)
    if parsed is not None or not kept:
        return parsed
    return kept.decode("utf-8", errors="replace")


def contains(actual: Any, expected: Any) -> bool:
    """Whether ``actual`` holds ``expected``: objects member by member (recursively), anything
    else by equality of the same JSON type (1 is not true)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and contains(actual[key], value) for key, value in expected.items()
        )
    return type(actual) is type(expected) and actual == expected


def glob(pattern: str) -> re.Pattern:
    return re.compile(fnmatch.translate(pattern))


class Journal:
    def __init__(self, size: int = DEFAULT_JOURNAL_SIZE):
        self.size = size
        self._entries: deque[Entry] = deque(maxlen=max(size, 0))
        self._seq = 0

    @property
    def enabled(self) -> bool:
        return self.size > 0

    @property
    def received(self) -> int:
        """Requests recorded since the start (or the last clear), the ones dropped off included."""
        return self._seq

    def __len__(self) -> int:
        return len(self._entries)

    def start(self, scope: dict[str, Any]) -> Entry:
        self._seq += 1
        entry = Entry(self._seq, scope)
        self._entries.append(entry)
        return entry

    def clear(self) -> None:
        self._entries.clear()
        self._seq = 0

    def find(
        self,
        find_operation: Callable[[str, str], str | None],
        method: str | None = None,
        path: str | None = None,
        operation: str | None = None,
        status: int | None = None,
        body_contains: str | None = None,
        body: Any = None,
        after: int | None = None,
    ) -> list[Entry]:
        """Matching entries, oldest first (numbered after ``after`` only, when given)."""
        entries = self._entries
        if after is not None:  # a live tail: only the newest, without looking at the others
            entries = list(takewhile(lambda entry: entry.seq > after, reversed(entries)))[::-1]
        pattern = glob(path) if path is not None else None
        wanted_method = method.upper() if method else None
        found = [
            entry
            for entry in entries
            if (wanted_method is None or entry.method == wanted_method)
            and (pattern is None or pattern.match(entry.path))
            and (status is None or entry.status == status)
            and (operation is None or entry.operation_id(find_operation) == operation)
            and (body_contains is None or body_contains in entry.text())
            and (body is None or contains(entry.json_body(), body))
        ]
        return found
