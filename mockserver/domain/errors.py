"""Errors of the domain layer. They carry no HTTP status: the wire layer (mockserver/errors.py) maps them."""

from __future__ import annotations


class DomainError(Exception):
    """Base class of the errors a request can cause."""


class NotFound(DomainError):
    def __init__(self, kind: str, object_id: str, detail: str | None = None):
        super().__init__(detail or f"{kind} {object_id!r} not found")
        self.kind = kind
        self.object_id = object_id


class InvalidField(DomainError):
    """A request field has a value the API rejects; ``loc`` points at it as FastAPI does."""

    def __init__(self, loc: tuple, msg: str, type_: str = "value_error"):
        super().__init__(msg)
        self.loc = loc
        self.msg = msg
        self.type = type_


class Conflict(DomainError):
    """The request conflicts with the current state: a name already taken, a job already finished."""


class PayloadTooLarge(DomainError):
    """A file (uploaded, or inline in a request) is larger than the server's --max-file-size."""

    def __init__(self, size: int, limit: int):
        super().__init__(
            f"The file is {size} bytes, more than this server accepts ({limit} bytes; see --max-file-size)."
        )
        self.size = size
        self.limit = limit


class AccessDenied(DomainError):
    """A signed URL that is not valid (wrong signature) or no longer valid (expired)."""
