"""Server configuration: one object built by the CLI (or by tests) and handed to create_app."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mockserver.admin.journal import DEFAULT_JOURNAL_SIZE
from mockserver.domain.files import DEFAULT_MAX_FILE_SIZE
from mockserver.domain.jobs import DEFAULT_JOB_DURATION
from mockserver.limits import DEFAULT_MAX_BODY_SIZE, DEFAULT_MAX_JSON_DEPTH

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4010
DEFAULT_PROJECT_ID = "00000000-0000-4000-8000-000000000001"
# Ended workflow handlers kept (the oldest forgotten first): about 2.3 KB each for a one-step run, so
# a few hundred MB at most under a long load test, and far more than a test reads (the real
# server's memory store keeps 1,000).
DEFAULT_MAX_ENDED_HANDLERS = 100_000


@dataclass(frozen=True)
class Config:
    """Everything that changes how the fake behaves.

    api_keys: bearer tokens accepted; empty means any non-empty token is accepted.
    db_path: TinyDB JSON file holding the persisted state; None keeps state in memory.
    default_project_id: the project of requests that name none (no project_id, no Project-Id).
    validate_responses: check every response against the spec (on in tests; costs time).
    id_seed: make generated ids reproducible.
    job_duration: seconds a job takes by default (half queued, half running), on the server's clock.
    virtual_clock: the server's clock starts frozen at start-up and moves only when told.
    max_file_size: the largest file accepted, in bytes (uploads and inline files; 413 beyond).
    max_body_size: the largest request body accepted under /api/, in bytes, multipart uploads
        aside (413 beyond; 0: no limit). See mockserver/limits.py.
    max_json_depth: the deepest nesting of arrays and objects a JSON body may have (400 beyond;
        at most limits.MAX_JSON_DEPTH from the CLI; 0: not checked, for benchmarks only).
    clock_running: a virtual clock starts running at wall speed (it can still be frozen,
        advanced and set) instead of frozen.
    admin_key: the bearer token the admin API (/_mock/) needs; None leaves it open.
    lenient: unknown ids of agent data, agents, jobs, runs and files materialize on GET (Prism-like)
        instead of answering 404.
    journal_size: how many requests the journal keeps (0: no journal).
    seed_file: a JSON/YAML fixture (or snapshot) loaded into an empty state at start and at every reset.
    profile: which wire format to serve: "default" (the real API: openapi/agent_data.yaml and
        extraction_v1.yaml) or "seed" (the published spec openapi/seed/, under /api/v1).
    fast_path: serve valid requests of plain operations without connexion's per-request work
        (mockserver/fastpath.py); off, connexion serves every request (same answers, slower).
    workflows: scenario files, one deployment each, served at /deployments/<name>/ (docs/workflows.md).
    sse_heartbeat: seconds between two heartbeat comments on an idle workflow event stream.
    max_ended_handlers: how many ended workflow handlers are kept (the oldest are forgotten first).
    """

    api_keys: tuple[str, ...] = ()
    db_path: Path | None = None
    default_project_id: str = DEFAULT_PROJECT_ID
    validate_responses: bool = False
    id_seed: int | None = None
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    job_duration: float = DEFAULT_JOB_DURATION
    virtual_clock: bool = False
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    max_body_size: int = DEFAULT_MAX_BODY_SIZE
    max_json_depth: int = DEFAULT_MAX_JSON_DEPTH
    clock_running: bool = False
    admin_key: str | None = None
    lenient: bool = False
    journal_size: int = DEFAULT_JOURNAL_SIZE
    seed_file: Path | None = None
    profile: str = "default"
    fast_path: bool = True
    workflows: tuple[Path, ...] = ()
    sse_heartbeat: float = 25.0
    max_ended_handlers: int = DEFAULT_MAX_ENDED_HANDLERS

    @property
    def files_path(self) -> Path | None:
        """Where file bytes are kept with --db: the folder PATH.files beside the database."""
        return self.db_path.with_name(self.db_path.name + ".files") if self.db_path else None
