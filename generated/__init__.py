"""Code generated from openapi/ by `make generate`. Do not edit.

``Operation`` describes one operation of a spec; each ``<api>/operations.py`` maps its
operationIds to one.
"""

import functools
import importlib
import json
from pathlib import Path
from typing import NamedTuple

from pydantic import BaseModel

# spec file in openapi/ -> its package here, which holds the spec as JSON (spec.json)
SPEC_PACKAGES = {
    "agent_data.yaml": "agent_data",
    "extraction_v1.yaml": "extraction_v1",
    "admin.yaml": "admin",
    "extract_v2.yaml": "extract_v2",
    "beta_files.yaml": "beta_files",
    "projects.yaml": "projects",
    "workflows.yaml": "workflows",
    "derived/seed-3.0.yaml": "seed"
}


def spec_document(spec: str) -> dict:
    """The spec openapi/``spec`` (e.g. "agent_data.yaml"), a fresh copy, read from its JSON twin."""
    return json.loads((Path(__file__).parent / SPEC_PACKAGES[spec] / "spec.json").read_bytes())


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
