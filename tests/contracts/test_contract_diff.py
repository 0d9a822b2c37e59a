"""``llamacloud-mock diff``: breaking and non-breaking differences, by direction; the committed
seed-vs-real report is current and shows the disagreements of wire-format.md section 7."""

from __future__ import annotations

import pytest

from contracts import diff
from mockserver.cli import main
from tests.support import ROOT

SEED = "openapi/seed/llamaextract-api.yaml"
REAL = "openapi/extraction_v1.yaml"
REPORT = ROOT / "contracts" / "reports" / "seed-vs-real.md"


def spec(paths: dict, schemas: dict | None = None, version: str = "3.0.3", servers=None) -> dict:
    return {
        "openapi": version,
        "info": {"title": "t", "version": "1"},
        "servers": servers or [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": schemas or {}},
    }


def op(body=None, response=None, params=None, status="200", operation_id="op") -> dict:
    operation: dict = {"operationId": operation_id, "responses": {status: {"description": "ok"}}}
    if response is not None:
        operation["responses"][status]["content"] = {"application/json": {"schema": response}}
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if params is not None:
        operation["parameters"] = params
    return operation


def changes(old: dict, new: dict) -> set[tuple[str, str, str, bool]]:
    return {(c.direction, c.where, c.detail, c.breaking) for c in diff.compare(old, new).changes}


OBJ = {"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}


def test_identical_documents_have_no_difference_even_spelled_in_3_0_and_3_1():
    old = spec({"/x": {"post": op(body={"type": "string", "nullable": True}, response={"const": "a"})}})
    new = spec({"/x": {"post": op(body={"type": ["string", "null"]}, response={"enum": ["a"]})}}, version="3.1.0")
    assert diff.compare(old, new).changes == []
    assert (
        diff.compare(old, old).summary() == "0 breaking and 0 non-breaking difference(s) over 1 operation(s) in common"
    )


def test_operations_removed_break_and_added_do_not():
    old = spec({"/a": {"get": op()}, "/b": {"get": op()}})
    new = spec({"/a": {"get": op()}, "/c": {"post": op()}})
    assert changes(old, new) == {
        ("operation", "-", "operation removed", True),
        ("operation", "-", "operation added", False),
    }


def test_the_same_field_change_breaks_a_request_and_a_response_differently():
    narrower = {
        "type": "object",
        "required": ["a", "b"],
        "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
    }
    as_request = changes(spec({"/x": {"post": op(body=OBJ)}}), spec({"/x": {"post": op(body=narrower)}}))
    as_response = changes(spec({"/x": {"get": op(response=OBJ)}}), spec({"/x": {"get": op(response=narrower)}}))
    assert as_request == {("request", "body.b", "became required", True)}
    assert as_response == {("response", "200 body.b", "became required", False)}


def test_enum_values_added_break_responses_and_removed_break_requests():
    old = spec({"/x": {"post": op(body={"enum": ["a", "b"]}, response={"enum": ["a", "b"]})}})
    new = spec({"/x": {"post": op(body={"enum": ["a", "c"]}, response={"enum": ["a", "c"]})}})
    assert changes(old, new) == {
        ("request", "body", "values removed: 'b'", True),
        ("request", "body", "values added: 'c'", False),
        ("response", "200 body", "values removed: 'b'", False),
        ("response", "200 body", "values added: 'c'", True),
    }


def test_types_widened_in_requests_and_narrowed_in_responses_do_not_break():
    old = spec(
        {"/x": {"post": op(body={"type": "string"}, response={"anyOf": [{"type": "string"}, {"type": "integer"}]})}}
    )
    new = spec(
        {"/x": {"post": op(body={"anyOf": [{"type": "string"}, {"type": "integer"}]}, response={"type": "string"})}}
    )
    assert changes(old, new) == {
        ("request", "body", "string -> integer|string", False),
        ("response", "200 body", "integer|string -> string", False),
    }
    swapped = changes(new, old)
    assert ("request", "body", "integer|string -> string", True) in swapped
    assert ("response", "200 body", "string -> integer|string", True) in swapped


def test_fields_removed_added_nullable_and_parameters():
    old = spec(
        {
            "/x/{id}": {
                "get": op(
                    response=OBJ,
                    params=[
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                        {"name": "q", "in": "query", "required": False, "schema": {"type": "string"}},
                    ],
                )
            }
        }
    )
    response = {"type": "object", "properties": {"b": {"type": "integer", "nullable": True}, "c": {"type": "string"}}}
    new = spec(
        {
            "/x/{key}": {
                "get": op(
                    response=response,
                    params=[
                        {"name": "key", "in": "path", "required": True, "schema": {"type": "string"}},
                        {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}},
                        {"name": "r", "in": "query", "required": True, "schema": {"type": "string"}},
                    ],
                )
            }
        }
    )
    assert changes(old, new) == {
        ("request", "path id", "path parameter named key", False),
        ("request", "query q", "became required", True),
        ("request", "query r", "parameter added (required)", True),
        ("response", "200 body.a", "field removed (it was required)", True),
        ("response", "200 body.b", "became nullable", True),
        ("response", "200 body.c", "field added (optional)", False),
    }


def test_a_body_field_that_became_a_parameter_is_reported_as_moved():
    old = spec(
        {"/x": {"post": op(body={"type": "object", "required": ["p"], "properties": {"p": {"type": "string"}}})}}
    )
    new = spec(
        {
            "/x": {
                "post": op(body={"type": "object"}, params=[{"name": "p", "in": "query", "schema": {"type": "string"}}])
            }
        }
    )
    assert changes(old, new) == {
        ("request", "body.p -> query p", "moved from the body to the query (required -> optional)", True)
    }


def test_statuses_and_base_paths():
    old = spec({"/x": {"post": op(response={"type": "string"}, status="201")}}, servers=[{"url": "https://h/api/v1"}])
    new = spec({"/api/v1/x": {"post": op(response={"type": "string"}, status="200")}})
    assert changes(old, new) == {
        ("document", "servers", "https://h/api/v1 -> /", False),
        ("response", "201", "success status 201 no longer declared", True),
        ("response", "200", "status 200 declared", False),
    }


@pytest.fixture(scope="module")
def seed_vs_real() -> diff.DiffResult:
    return diff.compare(diff.load(ROOT / SEED), diff.load(ROOT / REAL))


def by_operation(result: diff.DiffResult, label: str) -> set[tuple[str, str, bool]]:
    return {(c.where, c.detail, c.breaking) for c in result.changes if c.operation == label}


def test_seed_vs_real_shows_the_disagreements_of_wire_format_section_7(seed_vs_real):
    agents, jobs = "/api/v1/extraction/extraction-agents", "/api/v1/extraction/jobs"
    create_agent = by_operation(seed_vs_real, f"POST {agents}")
    # 2, 25: project_id required -> optional (listing, upload)
    assert ("query project_id", "became optional", False) in by_operation(seed_vs_real, f"GET {agents}")
    assert ("query project_id", "became optional", False) in by_operation(seed_vs_real, "POST /api/v1/files")
    # 4: 201 -> 200;  5: project_id from the body to the query;  6: config required, no description/prompt
    assert ("201", "success status 201 no longer declared", True) in create_agent
    assert (
        "body.project_id -> query project_id",
        "moved from the body to the query (required -> optional)",
        True,
    ) in create_agent
    assert {
        ("body.config", "field added (required)", True),
        ("body.description", "field removed", True),
    } <= create_agent
    # 7: the agent has a required config and no description
    assert ("200 body.config", "field added (required)", False) in by_operation(
        seed_vs_real, f"GET {agents}/{{extraction_agent_id}}"
    )
    assert ("200 body.description", "field removed", True) in by_operation(
        seed_vs_real, f"GET {agents}/{{extraction_agent_id}}"
    )
    # 8: update takes config and data_schema, both required, and cannot rename
    update = by_operation(seed_vs_real, f"PUT {agents}/{{extraction_agent_id}}")
    assert {("body.name", "field removed", True), ("body.data_schema", "became required", True)} <= update
    # 9: delete answers a JSON body
    assert ("200 body", "a body where there was none", False) in by_operation(
        seed_vs_real, f"DELETE {agents}/{{extraction_agent_id}}"
    )
    # 13, 15, 16: file_ids -> file_id, another job model, uppercase statuses
    create_job = by_operation(seed_vs_real, f"POST {jobs}")
    assert {
        ("body.file_ids", "field removed (it was required)", True),
        ("body.file_id", "field added (required)", True),
    } <= create_job
    assert ("200 body.extraction_agent", "field added (required)", False) in create_job
    assert ("200 body.created_at", "field removed", True) in create_job
    assert (
        "200 body.status",
        "values added: 'CANCELLED', 'ERROR', 'PARTIAL_SUCCESS', 'PENDING', 'SUCCESS'",
        True,
    ) in create_job
    # 17: the result set's shape
    result = by_operation(seed_vs_real, f"GET {jobs}/{{job_id}}/result")
    assert {("200 body.results", "field removed", True), ("200 body.run_id", "field added (required)", False)} <= result
    # 24, 27: the multipart part upload_file, not file; file_type, not content_type
    upload = by_operation(seed_vs_real, "POST /api/v1/files")
    assert {
        ("body.file", "field removed (it was required)", True),
        ("body.upload_file", "field added (required)", True),
    } <= upload
    assert {
        ("200 body.content_type", "field removed", True),
        ("200 body.file_type", "field added (optional)", False),
    } <= upload
    # 30: validation errors are 422, not 400
    assert ("400", "status 400 no longer declared", True) in create_job
    # 10-12, 14, 18, 20-22, 28: operations the seed does not have
    added = {c.operation for c in seed_vs_real.changes if c.kind == "added" and c.direction == "operation"}
    assert {
        f"GET {agents}/by-name/{{name}}",
        f"GET {agents}/default",
        f"POST {agents}/schema/validation",
        f"POST {jobs}/batch",
        "GET /api/v1/extraction/runs/by-job/{job_id}",
        "POST /api/v1/extraction/run",
        "GET /api/v1/extraction/runs",
        f"GET {jobs}",
        "GET /api/v1/files/{file_id}/content",
    } <= added
    # 1: the servers
    assert (
        "servers",
        "https://api.cloud.llamaindex.ai/api/v1, https://api.cloud.llamaindex.eu/api/v1 -> /",
        False,
    ) in {(c.where, c.detail, c.breaking) for c in seed_vs_real.changes if c.direction == "document"}
    assert len(seed_vs_real.matched) == 9


def test_the_committed_seed_vs_real_report_is_current(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    fresh = tmp_path / "seed-vs-real.md"
    assert main(["diff", SEED, REAL, "-o", str(fresh)]) == 0
    assert REPORT.read_text() == fresh.read_text(), "stale: run `make seed-diff` and commit contracts/reports/"
    assert REPORT.read_text().startswith(f"# OpenAPI diff: {SEED} -> {REAL}\n")


def test_the_diff_command_prints_and_can_fail_on_breaking_differences(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["diff", REAL, REAL]) == 0
    count = len(diff.operations(diff.load(ROOT / REAL)))
    out = capsys.readouterr().out
    assert f"{count} operation(s) in common; **0 breaking** and 0 non-breaking difference(s)." in out
    assert main(["diff", SEED, REAL, "--fail-on-breaking", "-o", str(tmp_path / "r.md")]) == 1
    assert main(["diff", SEED, "nope.yaml"]) == 2
