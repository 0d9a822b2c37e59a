"""Server configuration: one object built by the CLI (or by tests) and handed to create_app."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4010
DEFAULT_PROJECT_ID = "00000000-0000-4000-8000-000000000001"


@dataclass(frozen=True)
class Config:
    """Everything that changes how the fake behaves.

    api_keys: bearer tokens accepted; empty means any non-empty token is accepted.
    db_path: TinyDB JSON file holding the persisted state; None keeps state in memory.
    default_project_id: the project of requests that name none (no project_id, no Project-Id).
    validate_responses: check every response against the spec (on in tests; costs time).
    id_seed: make generated ids reproducible.
    """

    api_keys: tuple[str, ...] = ()
    db_path: Path | None = None
    default_project_id: str = DEFAULT_PROJECT_ID
    validate_responses: bool = False
    id_seed: int | None = None
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
