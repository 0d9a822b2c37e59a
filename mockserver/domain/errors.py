"""Errors of the domain layer. They carry no HTTP status: the wire layer (mockserver/errors.py) maps them."""

from __future__ import annotations


class DomainError(Exception):
    """Base class of the errors a request can cause."""


class NotFound(DomainError):
    def __init__(self, kind: str, object_id: str):
        super().__init__(f"{kind} {object_id!r} not found")
        self.kind = kind
        self.object_id = object_id


class InvalidField(DomainError):
    """A request field has a value the API rejects; ``loc`` points at it as FastAPI does."""

    def __init__(self, loc: tuple, msg: str, type_: str = "value_error"):
        super().__init__(msg)
        self.loc = loc
        self.msg = msg
        self.type = type_
