"""Lenient mode on the wire: the GET operations that read an object by id (or an agent by name)
first materialize it when it does not exist (mockserver/domain/lenient.py).

``lenient(adapter, state)`` wraps those handlers of one adapter in place; operations it does not
name are untouched, so writes, searches and listings stay strict.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mockserver.domain.lenient import Materializer

if TYPE_CHECKING:
    from mockserver.state import FakeState

# operationId -> (what it reads, the parameter naming it)
MATERIALIZED_READS = {
    "get_agent_data": ("agent_data", "item_id"),
    "get_extraction_agent": ("agent", "extraction_agent_id"),
    "get_extraction_agent_by_name": ("agent_name", "name"),
    "list_jobs": ("agent", "extraction_agent_id"),
    "list_extract_runs": ("agent", "extraction_agent_id"),
    "get_latest_run_from_ui": ("agent", "extraction_agent_id"),
    "get_job": ("job", "job_id"),
    "get_job_result": ("job", "job_id"),
    "get_run_by_job_id": ("job", "job_id"),
    "get_run": ("run", "run_id"),
    "get_file": ("file", "file_id"),
    "read_file_content": ("file", "file_id"),
}


def _materializing(handler: Callable, materializer: Materializer, kind: str, parameter: str) -> Callable:
    # with the handler's signature, which both request paths read (mockserver.routing.Handlers)
    @functools.wraps(handler)
    async def lenient_handler(**params: Any) -> Any:
        project_id = params.get("project_id")
        if not isinstance(project_id, str):
            project_id = None
        materializer.ensure(kind, params.get(parameter), project_id)
        return await handler(**params)

    return lenient_handler


def lenient(adapter: object, state: FakeState) -> object:
    materializer = Materializer(state)
    for operation_id, (kind, parameter) in MATERIALIZED_READS.items():
        handler = getattr(adapter, operation_id, None)
        if handler is not None:
            setattr(adapter, operation_id, _materializing(handler, materializer, kind, parameter))
    return adapter
