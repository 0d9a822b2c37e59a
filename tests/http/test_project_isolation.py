"""Project isolation, one table over every operation of every spec of every profile.

Project A holds one of everything (a record, extraction agent, job and run, v1 and beta files, a v2
job). Then every operation is sent from project B, naming B in each way a client can (the
``project_id`` query parameter, the ``Project-Id`` header), on both request paths (the fast path
and connexion's): B must see nothing of A (an object of A answers 404; no answer carries an id of
A) and change nothing of A (A's stored documents and file bytes are the same before and after).

``CASES`` must cover every operation the specs declare: a new operation fails
``test_every_operation_is_in_the_table`` until it is added here, or to ``NOT_PROJECT_SCOPED`` with
the reason it reads no project's data.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, NamedTuple

import pytest
from populated import AGENTS, SCHEMA, TEXT, ok, populate

from mockserver import registry

A, B = "project-a", "project-b"


class Case(NamedTuple):
    method: str
    path: str  # {agent}, {job}, {run}, {file}, {beta_file}, {v2_job}, {record}, {seed_job}: objects of A
    kwargs: Callable[[dict], dict[str, Any]] = lambda ids: {}  # json=, data=, files=, params= (A's ids in)
    found: bool = False  # True: B may get 2xx (a listing, a search, a create in B); False: 404 expected


def body(payload: Any) -> Callable[[dict], dict]:
    return lambda ids: {"json": payload(ids) if callable(payload) else payload}


CASES: dict[tuple[str, str], Case] = {
    # Agent Data: by id 404; searches, aggregates and deletes by query over A's deployment find nothing
    ("default", "create_agent_data"): Case(
        "POST", "/api/v1/beta/agent-data", body({"deployment_name": "app", "data": {"v": 2}}), True
    ),
    ("default", "get_agent_data"): Case("GET", "/api/v1/beta/agent-data/{record}"),
    ("default", "update_agent_data"): Case("PUT", "/api/v1/beta/agent-data/{record}", body({"data": {"v": 3}})),
    ("default", "delete_agent_data"): Case("DELETE", "/api/v1/beta/agent-data/{record}"),
    ("default", "search_agent_data"): Case(
        "POST", "/api/v1/beta/agent-data/:search", body({"deployment_name": "app"}), True
    ),
    ("default", "aggregate_agent_data"): Case(
        "POST", "/api/v1/beta/agent-data/:aggregate", body({"deployment_name": "app", "group_by": ["v"]}), True
    ),
    ("default", "delete_agent_data_by_query"): Case(
        "POST", "/api/v1/beta/agent-data/:delete", body({"deployment_name": "app"}), True
    ),
    # Extraction v1: agents
    ("default", "list_extraction_agents"): Case(
        "GET", AGENTS, lambda ids: {"params": {"include_default": "true"}}, True
    ),
    ("default", "create_extraction_agent"): Case(
        "POST", AGENTS, body({"name": "other", "data_schema": SCHEMA, "config": {}}), True
    ),
    ("default", "get_extraction_agent_by_name"): Case("GET", AGENTS + "/by-name/invoices"),
    ("default", "get_or_create_default_extraction_agent"): Case("GET", AGENTS + "/default", found=True),
    ("default", "validate_extraction_schema"): Case(
        "POST", AGENTS + "/schema/validation", body({"data_schema": SCHEMA}), True
    ),
    ("default", "get_extraction_agent"): Case("GET", AGENTS + "/{agent}"),
    ("default", "update_extraction_agent"): Case(
        "PUT", AGENTS + "/{agent}", body({"data_schema": {"type": "object"}, "config": {}})
    ),
    ("default", "delete_extraction_agent"): Case("DELETE", AGENTS + "/{agent}"),
    # Extraction v1: jobs and runs
    ("default", "list_jobs"): Case(
        "GET", "/api/v1/extraction/jobs", lambda ids: {"params": {"extraction_agent_id": ids["agent"]}}
    ),
    ("default", "run_job"): Case(
        "POST",
        "/api/v1/extraction/jobs",
        body(lambda ids: {"extraction_agent_id": ids["agent"], "file_id": ids["file"]}),
    ),
    ("default", "run_batch_jobs"): Case(
        "POST",
        "/api/v1/extraction/jobs/batch",
        body(lambda ids: {"extraction_agent_id": ids["agent"], "file_ids": [ids["file"]]}),
    ),
    ("default", "get_job"): Case("GET", "/api/v1/extraction/jobs/{job}"),
    ("default", "get_job_result"): Case("GET", "/api/v1/extraction/jobs/{job}/result"),
    ("default", "extract_stateless"): Case(
        "POST",
        "/api/v1/extraction/run",
        body(lambda ids: {"config": {}, "data_schema": SCHEMA, "file_id": ids["file"]}),
    ),
    ("default", "list_extract_runs"): Case(
        "GET", "/api/v1/extraction/runs", lambda ids: {"params": {"extraction_agent_id": ids["agent"]}}
    ),
    ("default", "get_latest_run_from_ui"): Case(
        "GET", "/api/v1/extraction/runs/latest-from-ui", lambda ids: {"params": {"extraction_agent_id": ids["agent"]}}
    ),
    ("default", "get_run_by_job_id"): Case("GET", "/api/v1/extraction/runs/by-job/{job}"),
    ("default", "get_run"): Case("GET", "/api/v1/extraction/runs/{run}"),
    ("default", "delete_extraction_run"): Case("DELETE", "/api/v1/extraction/runs/{run}"),
    # Files v1
    ("default", "list_files"): Case("GET", "/api/v1/files", found=True),
    ("default", "upload_file"): Case(
        "POST", "/api/v1/files", lambda ids: {"files": {"upload_file": ("b.txt", TEXT, "text/plain")}}, True
    ),
    ("default", "get_file"): Case("GET", "/api/v1/files/{file}"),
    ("default", "delete_file"): Case("DELETE", "/api/v1/files/{file}"),
    ("default", "read_file_content"): Case("GET", "/api/v1/files/{file}/content"),
    # Beta files
    ("default", "list_beta_files"): Case("GET", "/api/v1/beta/files", found=True),
    ("default", "upload_beta_file"): Case(
        "POST",
        "/api/v1/beta/files",
        lambda ids: {"data": {"purpose": "extract"}, "files": {"file": ("b.txt", TEXT, "text/plain")}},
        True,
    ),
    ("default", "query_beta_files"): Case(
        "POST", "/api/v1/beta/files/query", body(lambda ids: {"filter": {"file_ids": [ids["beta_file"]]}}), True
    ),
    ("default", "get_beta_file"): Case("GET", "/api/v1/beta/files/{beta_file}"),
    ("default", "delete_beta_file"): Case("DELETE", "/api/v1/beta/files/{beta_file}"),
    ("default", "read_beta_file_content"): Case("GET", "/api/v1/beta/files/{beta_file}/content"),
    # Extract v2
    ("default", "list_extract_jobs"): Case("GET", "/api/v2/extract", found=True),
    ("default", "create_extract_job"): Case(
        "POST",
        "/api/v2/extract",
        body(lambda ids: {"file_input": ids["beta_file"], "configuration": {"data_schema": SCHEMA}}),
    ),
    ("default", "validate_extract_schema"): Case(
        "POST", "/api/v2/extract/schema/validation", body({"data_schema": SCHEMA}), True
    ),
    ("default", "generate_extract_schema"): Case(
        "POST", "/api/v2/extract/schema/generate", body(lambda ids: {"file_id": ids["beta_file"]})
    ),
    ("default", "get_extract_job"): Case("GET", "/api/v2/extract/{v2_job}"),
    ("default", "delete_extract_job"): Case("DELETE", "/api/v2/extract/{v2_job}"),
    ("default", "cancel_extract_job"): Case("POST", "/api/v2/extract/{v2_job}/cancel"),
    # the published seed spec (--profile seed), under /api/v1
    # (listing agents and uploading name the project in the query: the seed spec requires it there)
    ("seed", "listExtractionAgents"): Case(
        "GET", "/api/v1/extraction/extraction-agents", lambda ids: {"params": {"project_id": B}}, True
    ),
    ("seed", "createExtractionAgent"): Case(
        "POST",
        "/api/v1/extraction/extraction-agents",
        body({"name": "other", "project_id": B, "data_schema": SCHEMA}),
        True,
    ),
    ("seed", "getExtractionAgent"): Case("GET", "/api/v1/extraction/extraction-agents/{agent}"),
    ("seed", "updateExtractionAgent"): Case(
        "PUT", "/api/v1/extraction/extraction-agents/{agent}", body({"name": "renamed"})
    ),
    ("seed", "deleteExtractionAgent"): Case("DELETE", "/api/v1/extraction/extraction-agents/{agent}"),
    ("seed", "createExtractionJob"): Case(
        "POST",
        "/api/v1/extraction/jobs",
        body(lambda ids: {"extraction_agent_id": ids["agent"], "file_ids": [ids["file"]]}),
        True,
    ),
    ("seed", "getExtractionJob"): Case("GET", "/api/v1/extraction/jobs/{seed_job}"),
    ("seed", "getExtractionJobResult"): Case("GET", "/api/v1/extraction/jobs/{seed_job}/result"),
    ("seed", "uploadFile"): Case(
        "POST",
        "/api/v1/files",
        lambda ids: {"params": {"project_id": B}, "files": {"file": ("b.txt", TEXT, "text/plain")}},
        True,
    ),
}

# Operations that read or write no project's data, and why.
NOT_PROJECT_SCOPED = {
    "admin.yaml": "the fake's own controls (/_mock/): the whole server, every project, by design",
    "projects.yaml": "the organization's project list: every project is readable from every other",
    "workflows.yaml": "the workflow server: its path names the deployment, and the real server reads no project",
    "download_file_content": "a presigned URL: its token is the capability, as in the real API (no key, no project)",
}


def every_operation() -> list[tuple[str, str, str]]:
    return [
        (profile_name, api.spec, operation_id)
        for profile_name in registry.profile_names()
        for api in registry.profile(profile_name).apis
        for operation_id in api.operations.OPERATIONS
    ]


def test_every_operation_is_in_the_table():
    missing = [
        (profile, spec, op)
        for profile, spec, op in every_operation()
        if (profile, op) not in CASES and spec not in NOT_PROJECT_SCOPED and op not in NOT_PROJECT_SCOPED
    ]
    assert missing == [], "add these operations to CASES (or to NOT_PROJECT_SCOPED, saying why)"
    stale = set(CASES) - {(profile, op) for profile, _, op in every_operation()}
    assert stale == set()


def _state_of_a(client, ids: dict[str, str]) -> dict:
    """Every stored document and file that belongs to A or names one of A's objects."""
    snapshot = ok(client.get("/_mock/snapshot"))
    marks = [A, *ids.values()]
    tables = {
        name: {key: doc for key, doc in documents.items() if key in marks or any(m in repr(doc) for m in marks)}
        for name, documents in snapshot["tables"].items()
    }
    files = {key: value for key, value in snapshot["files"].items() if key in ids.values()}
    return {"tables": tables, "files": files}


def _assert_unchanged(before: dict, after: dict) -> None:
    """A's documents and files as they were; what is new names no project but B's."""
    assert after["files"] == before["files"]
    for name, documents in after["tables"].items():
        old = before["tables"].get(name, {})
        assert {key: documents.get(key) for key in old} == old, f"table {name}: a document of A changed"
        new = [doc for key, doc in documents.items() if key not in old]
        assert [doc for doc in new if isinstance(doc, dict) and doc.get("project_id") not in (None, B)] == []


NAMING = {
    "query": lambda kwargs: kwargs.setdefault("params", {}).update(project_id=B),
    "header": lambda kwargs: kwargs.update(headers={"Project-Id": B}),
}


@pytest.fixture(scope="module")
def worlds():
    """(profile, naming, fast_path) -> (naming, client, A's ids): one fake each, A populated once."""
    from mockserver.app import create_app  # noqa: PLC0415
    from mockserver.config import Config  # noqa: PLC0415

    made: dict[tuple, tuple] = {}
    with contextlib.ExitStack() as stack:

        def world(profile: str, naming: str, fast_path: bool) -> tuple:
            if (profile, naming, fast_path) not in made:
                config = Config(
                    validate_responses=True, virtual_clock=True, job_duration=10, profile=profile, fast_path=fast_path
                )
                client = stack.enter_context(create_app(config).test_client(headers={"Authorization": "Bearer key"}))
                made[profile, naming, fast_path] = (client, populate(client, profile, A))
            return made[profile, naming, fast_path]

        yield world


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast-path", "connexion"])
@pytest.mark.parametrize("naming", list(NAMING))
@pytest.mark.parametrize("key", list(CASES), ids=lambda key: f"{key[0]}-{key[1]}")
def test_another_project_sees_and_changes_nothing(worlds, key, naming, fast_path):
    client, ids = worlds(key[0], naming, fast_path)
    case = CASES[key]
    kwargs = case.kwargs(ids)
    NAMING[naming](kwargs)
    before = _state_of_a(client, ids)
    response = client.request(case.method, case.path.format(**ids), **kwargs)
    assert response.status_code < 500, response.text
    if case.found:
        assert response.status_code < 300, response.text
    else:
        assert response.status_code == 404, response.text
    sent = case.path.format(**ids) + repr(kwargs)  # a 404 may echo the ids the request named
    leaked = [name for name, value in ids.items() if value in response.text and value not in sent]
    assert leaked == [], f"B's answer shows A's {leaked}: {response.text}"
    assert A not in response.text
    _assert_unchanged(before, _state_of_a(client, ids))
