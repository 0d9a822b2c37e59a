"""Code generated from openapi/ by `make generate`. Do not edit.

One package per API of mockserver/registry.py, named as the API: its spec as JSON (spec.json),
its models, and its operations (``<api>/operations.py`` maps its operationIds to an ``Operation``).
"""

import functools
import importlib
from typing import NamedTuple

from pydantic import BaseModel


class Operation(NamedTuple):
    method: str
    path: str
    body_schema: str | None  # the request body's model in <package>.models
    package: str  # the generated package of the spec

    @property
    def body_model(self) -> type[BaseModel] | None:
        """The request body's model. The models are imported on first use: building them
        is a third of the server's start-up time, and a request needs only its own."""
        if self.body_schema is None:
            return None
        return _model(self.package, self.body_schema)


@functools.cache
def _model(package: str, name: str) -> type[BaseModel]:
    return getattr(importlib.import_module(f"{package}.models"), name)
