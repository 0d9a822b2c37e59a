"""Extraction v1 over HTTP: every operation, its errors, and the job lifecycle on the wire."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta

import pytest

from mockserver.app import create_app
from mockserver.config import Config
from mockserver.domain.jobs import FAILED, RUNNING, Schedule
from tests.support import AUTH, detail_locs, ok  # AUTH: for the apps these tests create themselves

API = "/api/v1/extraction"
AGENTS = f"{API}/extraction-agents"
SCHEMA = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string"},
        "total": {"type": "number"},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
}
CONFIG = {"extraction_mode": "MULTIMODAL", "extraction_target": "PER_DOC"}
TEXT = b"Name: Ada\nTotal: 12.5\nTags: a, b\n"


@pytest.fixture
def fast(make_client):
    """A fake whose jobs are done as soon as they are created."""
    return make_client(job_duration=0)


@pytest.fixture
def clocked(make_client):
    """A fake on a virtual clock whose jobs take 10 s (5 queued, 5 running)."""
    return make_client(virtual_clock=True, job_duration=10)


def create_agent(client, name="agent", schema=SCHEMA, config=CONFIG, **params):
    return ok(client.post(AGENTS, params=params, json={"name": name, "data_schema": schema, "config": config}))


def upload(client, content=TEXT, name="doc.txt", **params):
    return ok(client.post("/api/v1/files", params=params, files={"upload_file": (name, content, "text/plain")}))


def run_job(client, agent, file, **body):
    return ok(client.post(f"{API}/jobs", json={"extraction_agent_id": agent["id"], "file_id": file["id"], **body}))


def advance(client, seconds):
    return ok(client.post("/_mock/clock/advance", json={"seconds": seconds}))


def instant(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# ------------------------------------------------------------------ agents
def test_agent_crud_echoes_config_and_schema(fast):
    agent = create_agent(fast, config={"extraction_mode": "FAST", "priority": "high", "page_range": "1-3"})
    assert agent["config"] == {"extraction_mode": "FAST", "priority": "high", "page_range": "1-3"}
    assert agent["data_schema"] == SCHEMA and agent["custom_configuration"] is None
    assert set(agent) == {
        "id",
        "name",
        "project_id",
        "config",
        "data_schema",
        "custom_configuration",
        "created_at",
        "updated_at",
    }
    assert ok(fast.get(f"{AGENTS}/{agent['id']}")) == agent
    assert ok(fast.get(f"{AGENTS}/by-name/agent")) == agent

    new_schema = {"type": "object", "properties": {"other": {"type": "integer"}}}
    updated = ok(fast.put(f"{AGENTS}/{agent['id']}", json={"config": {}, "data_schema": new_schema}))
    assert (updated["config"], updated["data_schema"], updated["name"]) == ({}, new_schema, "agent")
    assert updated["created_at"] == agent["created_at"] and updated["updated_at"] >= agent["updated_at"]

    assert ok(fast.delete(f"{AGENTS}/{agent['id']}")) == {}
    missing = fast.get(f"{AGENTS}/{agent['id']}")
    assert missing.status_code == 404
    assert missing.json() == {"detail": f"Extraction agent '{agent['id']}' not found"}
    for response in (
        fast.put(f"{AGENTS}/{agent['id']}", json={"config": {}, "data_schema": SCHEMA}),
        fast.delete(f"{AGENTS}/{agent['id']}"),
    ):
        assert response.status_code == 404


def test_a_schema_sent_as_a_json_string_is_stored_as_an_object(fast):
    agent = create_agent(fast, schema='{"type": "object", "properties": {"a": {"type": "string"}}}')
    assert agent["data_schema"] == {"type": "object", "properties": {"a": {"type": "string"}}}


def test_duplicate_names_conflict_within_a_project_only(fast):
    create_agent(fast, name="same")
    again = fast.post(AGENTS, json={"name": "same", "data_schema": SCHEMA, "config": {}})
    assert again.status_code == 409
    assert again.headers["x-should-retry"] == "false"
    assert again.json()["detail"].startswith("An extraction agent named 'same' already exists in project")
    elsewhere = create_agent(fast, name="same", project_id="project-b")
    assert elsewhere["project_id"] == "project-b"


def test_list_agents_by_project_with_the_default_agent_on_request(fast):
    first, second = create_agent(fast, name="one"), create_agent(fast, name="two")
    create_agent(fast, name="three", project_id="other")
    default = ok(fast.get(f"{AGENTS}/default"))
    assert (
        default["name"] == "_default" and default["custom_configuration"] == "default" and default["data_schema"] == {}
    )
    assert ok(fast.get(f"{AGENTS}/default"))["id"] == default["id"]  # created once
    assert [a["id"] for a in ok(fast.get(AGENTS))] == [first["id"], second["id"]]
    assert [a["name"] for a in ok(fast.get(AGENTS, params={"include_default": "true"}))] == ["one", "two", "_default"]
    assert [a["name"] for a in ok(fast.get(AGENTS, headers={"Project-Id": "other"}))] == ["three"]


def test_agents_of_another_project_are_invisible(fast):
    agent = create_agent(fast, name="mine", project_id="a")
    assert fast.get(f"{AGENTS}/by-name/mine", params={"project_id": "b"}).status_code == 404
    assert fast.get(f"{AGENTS}/{agent['id']}", headers={"Project-Id": "b"}).status_code == 404
    assert ok(fast.get(f"{AGENTS}/{agent['id']}"))["project_id"] == "a"  # by id alone, as the SDK asks
    missing = fast.get(f"{AGENTS}/by-name/nobody")
    assert missing.json() == {"detail": "Extraction agent with name 'nobody' not found"}


@pytest.mark.parametrize(
    "schema, loc, message",
    [
        (
            {"type": "object", "properties": {"x": {"type": "strin"}}},
            ["properties", "x", "type"],
            "Invalid JSON Schema at /properties/x/type",
        ),
        (
            {"type": "object", "properties": {"x": {"type": "string", "minLength": -1}}},
            ["properties", "x", "minLength"],
            "-1 is less than the minimum of 0",
        ),
        ({"type": "array", "items": {}}, ["type"], "The root of data_schema must describe an object"),
        (
            {"type": "object", "properties": {"x": {"$ref": "#/$defs/Missing"}}},
            ["properties", "x", "$ref"],
            "does not resolve",
        ),
        (
            {"type": "object", "properties": {"x": {"$ref": "https://example.com/s.json"}}},
            ["properties", "x", "$ref"],
            "Only local references",
        ),
        ("{not json", [], "data_schema is a string but not JSON"),
    ],
)
def test_invalid_schemas_are_422_pointing_at_the_bad_part(fast, schema, loc, message):
    for response in (
        fast.post(f"{AGENTS}/schema/validation", json={"data_schema": schema}),
        fast.post(AGENTS, json={"name": "bad", "data_schema": schema, "config": {}}),
    ):
        assert detail_locs(response) == [["body", "data_schema", *loc]]
        assert message in response.json()["detail"][0]["msg"]
    assert ok(fast.get(AGENTS)) == []


def test_schema_validation_returns_the_schema(fast):
    assert ok(fast.post(f"{AGENTS}/schema/validation", json={"data_schema": SCHEMA})) == {"data_schema": SCHEMA}
    assert ok(fast.post(f"{AGENTS}/schema/validation", json={"data_schema": '{"properties": {}}'})) == {
        "data_schema": {"properties": {}}
    }


def test_request_bodies_are_validated_like_fastapi(fast):
    assert detail_locs(fast.post(AGENTS, json={"data_schema": SCHEMA, "config": {}})) == [["body", "name"]]
    bad_enum = fast.post(AGENTS, json={"name": "x", "data_schema": SCHEMA, "config": {"extraction_mode": "fast"}})
    assert detail_locs(bad_enum) == [["body", "config", "extraction_mode"]]
    assert detail_locs(fast.put(f"{AGENTS}/any", json={"config": {}})) == [["body", "data_schema"]]
    assert detail_locs(fast.get(AGENTS, params={"include_default": "maybe"})) == [["query", "include_default"]]
    empty_batch = fast.post(f"{API}/jobs/batch", json={"extraction_agent_id": "a", "file_ids": []})
    assert detail_locs(empty_batch) == [["body", "file_ids"]]
    assert detail_locs(
        fast.post(f"{API}/jobs", json={"extraction_agent_id": "a", "file_id": "f", "priority": "urgent"})
    ) == [["body", "priority"]]


def test_extraction_requires_a_bearer_token(fast):
    response = fast.get(AGENTS, headers={"Authorization": ""})
    assert response.status_code == 401 and "bearer" in response.json()["detail"].lower()


# ------------------------------------------------------------------ jobs and runs
def test_a_job_walks_pending_to_success_on_the_virtual_clock(clocked):
    agent = create_agent(clocked)
    file = upload(clocked)
    job = run_job(clocked, agent, file, config_override={"extraction_mode": "PREMIUM"})
    assert job["status"] == "PENDING" and job["error"] is None
    assert job["extraction_agent"] == agent and job["file_id"] == file["id"] and job["file"] == file
    run = ok(clocked.get(f"{API}/runs/by-job/{job['id']}"))
    assert (run["status"], run["data"], run["extraction_metadata"]) == ("CREATED", None, {})
    result = clocked.get(f"{API}/jobs/{job['id']}/result")
    assert result.status_code == 404
    assert result.json() == {"detail": f"Extraction job '{job['id']}' has no result: it is PENDING"}

    advance(clocked, 5)
    assert ok(clocked.get(f"{API}/jobs/{job['id']}"))["status"] == "PENDING"
    assert ok(clocked.get(f"{API}/runs/by-job/{job['id']}"))["status"] == "PENDING"  # running
    advance(clocked, 5)
    assert ok(clocked.get(f"{API}/jobs/{job['id']}"))["status"] == "SUCCESS"

    run = ok(clocked.get(f"{API}/runs/by-job/{job['id']}"))
    assert run["status"] == "SUCCESS" and run["error"] is None
    assert run["data"] == {"name": "Ada", "total": 12.5, "tags": ["a", "b"]}
    assert run["config"] == {"extraction_mode": "PREMIUM"} and run["data_schema"] == SCHEMA
    assert (run["job_id"], run["extraction_agent_id"], run["file"]) == (job["id"], agent["id"], file)
    assert run["created_at"] < run["updated_at"]
    assert run["extraction_metadata"]["usage"] == {
        "num_pages_extracted": 1,
        "num_document_tokens": 8,
        "num_output_tokens": 11,
    }
    assert run["extraction_metadata"]["field_metadata"]["name"]["citation"] == [
        {"page": 1, "matching_text": "Name: Ada"}
    ]
    assert ok(clocked.get(f"{API}/runs/{run['id']}")) == run
    assert ok(clocked.get(f"{API}/jobs/{job['id']}/result")) == {
        "run_id": run["id"],
        "extraction_agent_id": agent["id"],
        "data": run["data"],
        "extraction_metadata": run["extraction_metadata"],
    }


def test_a_poll_scheduled_job_answers_pending_for_its_polls(clocked):
    agent, file = create_agent(clocked), upload(clocked)
    job = run_job(clocked, agent, file)
    clocked.app.state.jobs.set_schedule(job["id"], Schedule(queued_polls=2, running_polls=1))
    statuses = [ok(clocked.get(f"{API}/jobs/{job['id']}"))["status"] for _ in range(4)]
    assert statuses == ["PENDING", "PENDING", "PENDING", "SUCCESS"]


def test_per_job_control_shows_on_the_wire(make_client):
    """The domain's per-job control (the admin API's, later) as clients see it."""
    fast = make_client(job_duration=120)
    agent = create_agent(fast)
    engine = fast.app.state.jobs
    jobs = [run_job(fast, agent, upload(fast)) for _ in range(3)]
    engine.hold(jobs[0]["id"], RUNNING)
    engine.finish(jobs[1]["id"], FAILED, "the model timed out")
    engine.cancel(jobs[2]["id"])
    views = [ok(fast.get(f"{API}/jobs/{job['id']}")) for job in jobs]
    assert [(v["status"], v["error"]) for v in views] == [
        ("PENDING", None),
        ("ERROR", "the model timed out"),
        ("CANCELLED", "The job was cancelled."),
    ]
    runs = [ok(fast.get(f"{API}/runs/by-job/{job['id']}")) for job in jobs]
    assert [(r["status"], r["data"]) for r in runs] == [("PENDING", None), ("ERROR", None), ("ERROR", None)]
    assert ok(fast.get(f"{API}/jobs/{jobs[2]['id']}/result"))["data"] is None


def test_failure_markers_in_name_or_content(fast):
    agent = create_agent(fast)
    failing = run_job(fast, agent, upload(fast, b"Name: x\nllamacloud-mock:fail\n"))
    partial = run_job(fast, agent, upload(fast, TEXT, name="report-llamacloud-mock:partial.txt"))
    assert failing["status"] == "ERROR"
    assert failing["error"] == (
        "Extraction failed: the file 'doc.txt' carries the marker 'llamacloud-mock:fail', "
        "so llamacloud-mock fails its extraction on purpose."
    )
    assert partial["status"] == "PARTIAL_SUCCESS"
    assert partial["error"] == (
        "Partial extraction: the file 'report-llamacloud-mock:partial.txt' carries the marker "
        "'llamacloud-mock:partial'; these fields could not be extracted: total, tags."
    )
    failed_run = ok(fast.get(f"{API}/runs/by-job/{failing['id']}"))
    assert (failed_run["status"], failed_run["data"], failed_run["error"]) == ("ERROR", None, failing["error"])
    partial_run = ok(fast.get(f"{API}/runs/by-job/{partial['id']}"))
    assert (partial_run["status"], partial_run["data"]) == ("SUCCESS", {"name": "Ada"})
    assert partial_run["extraction_metadata"]["field_metadata"]["error"] == partial["error"]
    assert set(partial_run["extraction_metadata"]["field_metadata"]) == {"name", "error"}


def test_job_errors(fast):
    agent, file = create_agent(fast), upload(fast)
    unknown_agent = fast.post(f"{API}/jobs", json={"extraction_agent_id": "nope", "file_id": file["id"]})
    assert unknown_agent.status_code == 404 and unknown_agent.json() == {"detail": "Extraction agent 'nope' not found"}
    unknown_file = fast.post(f"{API}/jobs", json={"extraction_agent_id": agent["id"], "file_id": "nofile"})
    assert unknown_file.status_code == 404 and unknown_file.json() == {"detail": "File 'nofile' not found"}
    other_project_file = upload(fast, project_id="elsewhere")
    assert (
        fast.post(
            f"{API}/jobs", json={"extraction_agent_id": agent["id"], "file_id": other_project_file["id"]}
        ).status_code
        == 404
    )
    bad_override = fast.post(
        f"{API}/jobs",
        json={
            "extraction_agent_id": agent["id"],
            "file_id": file["id"],
            "data_schema_override": {"type": "object", "required": "name"},
        },
    )
    assert detail_locs(bad_override) == [["body", "data_schema_override", "required"]]
    assert detail_locs(fast.post(f"{API}/jobs", json={"extraction_agent_id": agent["id"]})) == [["body", "file_id"]]
    assert fast.get(f"{API}/jobs/nojob").json() == {"detail": "Extraction job 'nojob' not found"}
    assert fast.get(f"{API}/jobs/nojob/result").status_code == 404
    assert fast.get(f"{API}/jobs", params={"extraction_agent_id": "nope"}).status_code == 404
    assert detail_locs(fast.get(f"{API}/jobs")) == [["query", "extraction_agent_id"]]
    assert ok(fast.get(f"{API}/jobs", params={"extraction_agent_id": agent["id"]})) == []


def test_overrides_apply_to_the_job_and_the_agent_stays(fast):
    agent, file = create_agent(fast), upload(fast)
    override = {"type": "object", "properties": {"total": {"type": "number"}}}
    job = run_job(fast, agent, file, data_schema_override=override, config_override={"extraction_target": "PER_PAGE"})
    run = ok(fast.get(f"{API}/runs/by-job/{job['id']}"))
    assert run["data"] == [{"total": 12.5}]  # PER_PAGE: one object per page
    assert (run["data_schema"], run["config"]) == (override, {"extraction_target": "PER_PAGE"})
    assert job["extraction_agent"]["data_schema"] == SCHEMA


def test_batch_jobs_all_or_nothing(fast):
    agent = create_agent(fast)
    files = [upload(fast, f"Name: n{i}\n".encode()) for i in range(2)]
    jobs = ok(
        fast.post(f"{API}/jobs/batch", json={"extraction_agent_id": agent["id"], "file_ids": [f["id"] for f in files]})
    )
    assert [(j["file_id"], j["status"]) for j in jobs] == [(files[0]["id"], "SUCCESS"), (files[1]["id"], "SUCCESS")]
    refused = fast.post(
        f"{API}/jobs/batch", json={"extraction_agent_id": agent["id"], "file_ids": [files[0]["id"], "nofile"]}
    )
    assert refused.status_code == 404
    listed = ok(fast.get(f"{API}/jobs", params={"extraction_agent_id": agent["id"]}))
    assert [j["id"] for j in listed] == [j["id"] for j in jobs]
    assert [ok(fast.get(f"{API}/runs/by-job/{j['id']}"))["data"]["name"] for j in jobs] == ["n0", "n1"]


def test_jobs_keep_the_agent_they_ran_on_after_it_is_deleted(fast):
    agent = create_agent(fast)
    job = run_job(fast, agent, upload(fast))
    ok(fast.delete(f"{AGENTS}/{agent['id']}"))
    assert ok(fast.get(f"{API}/jobs/{job['id']}"))["extraction_agent"] == agent
    assert ok(fast.get(f"{API}/runs/by-job/{job['id']}"))["data"]["name"] == "Ada"


# ------------------------------------------------------------------ runs
def test_runs_list_get_delete(fast):
    agent = create_agent(fast)
    jobs = [run_job(fast, agent, upload(fast, f"Name: r{i}\n".encode())) for i in range(3)]
    page = ok(fast.get(f"{API}/runs", params={"extraction_agent_id": agent["id"], "skip": 1, "limit": 1}))
    assert (page["total"], page["skip"], page["limit"]) == (3, 1, 1)
    assert [r["job_id"] for r in page["items"]] == [jobs[1]["id"]]  # newest first
    everything = ok(fast.get(f"{API}/runs", params={"extraction_agent_id": agent["id"]}))
    assert [r["data"]["name"] for r in everything["items"]] == ["r2", "r1", "r0"] and everything["limit"] == 100

    doomed = everything["items"][0]
    assert ok(fast.delete(f"{API}/runs/{doomed['id']}")) == {}
    assert fast.get(f"{API}/runs/{doomed['id']}").json() == {"detail": f"Extraction run '{doomed['id']}' not found"}
    by_job = fast.get(f"{API}/runs/by-job/{jobs[2]['id']}")
    assert by_job.status_code == 404 and by_job.json() == {
        "detail": f"No extraction run for job '{jobs[2]['id']}': it was deleted"
    }
    assert ok(fast.get(f"{API}/jobs/{jobs[2]['id']}"))["status"] == "SUCCESS"
    assert fast.delete(f"{API}/runs/{doomed['id']}").status_code == 404
    assert ok(fast.get(f"{API}/runs", params={"extraction_agent_id": agent["id"]}))["total"] == 2
    assert fast.get(f"{API}/runs", params={"extraction_agent_id": "nope"}).status_code == 404
    assert detail_locs(fast.get(f"{API}/runs", params={"extraction_agent_id": agent["id"], "limit": 0})) == [
        ["query", "limit"]
    ]


def test_runs_of_another_project_are_invisible(fast):
    agent = create_agent(fast, project_id="p1")
    job = run_job(fast, agent, upload(fast, project_id="p1"))
    assert fast.get(f"{API}/runs/by-job/{job['id']}", params={"project_id": "p2"}).status_code == 404
    assert ok(fast.get(f"{API}/runs/by-job/{job['id']}", params={"project_id": "p1"}))["project_id"] == "p1"


def test_latest_run_from_the_ui(fast):
    agent, file = create_agent(fast), upload(fast)
    latest = f"{API}/runs/latest-from-ui"
    run_job(fast, agent, file)
    assert fast.get(latest, params={"extraction_agent_id": agent["id"]}).json() is None
    job = ok(
        fast.post(
            f"{API}/jobs", params={"from_ui": "true"}, json={"extraction_agent_id": agent["id"], "file_id": file["id"]}
        )
    )
    run = ok(fast.get(latest, params={"extraction_agent_id": agent["id"]}))
    assert (run["job_id"], run["from_ui"]) == (job["id"], True)
    assert fast.get(latest, params={"extraction_agent_id": "nope"}).status_code == 404


# ------------------------------------------------------------------ stateless
def test_stateless_extraction_inline_by_id_and_text(fast):
    inline = ok(
        fast.post(
            f"{API}/run",
            params={"project_id": "s"},
            json={
                "config": {"extraction_mode": "BALANCED"},
                "data_schema": SCHEMA,
                "file": {"data": base64.b64encode(TEXT).decode(), "mime_type": "application/pdf"},
            },
        )
    )
    default = ok(fast.get(f"{AGENTS}/default", params={"project_id": "s"}))
    assert inline["extraction_agent"] == default and inline["status"] == "SUCCESS"
    assert (inline["file"]["name"], inline["file"]["purpose"], inline["file"]["project_id"]) == (
        "upload.pdf",
        "extract",
        "s",
    )
    run = ok(fast.get(f"{API}/runs/by-job/{inline['id']}"))
    assert (run["config"], run["data_schema"], run["data"]["name"]) == ({"extraction_mode": "BALANCED"}, SCHEMA, "Ada")

    text = ok(fast.post(f"{API}/run", json={"config": {}, "data_schema": SCHEMA, "text": "Name: Bo"}))
    assert text["file"]["name"] == "text.txt"
    assert ok(fast.get(f"{API}/runs/by-job/{text['id']}"))["data"]["name"] == "Bo"

    file = upload(fast, b"Name: Cy\n")
    by_id = ok(fast.post(f"{API}/run", json={"config": {}, "data_schema": SCHEMA, "file_id": file["id"]}))
    assert by_id["file"] == file


def test_stateless_extraction_errors(make_client):
    client = make_client(job_duration=0, max_file_size=10)
    body = {"config": {}, "data_schema": SCHEMA}
    none = client.post(f"{API}/run", json=body)
    assert detail_locs(none) == [["body"]]
    assert none.json()["detail"][0]["msg"] == "Give exactly one of file (base64 data and mime_type), file_id or text"
    two = client.post(f"{API}/run", json={**body, "text": "x", "file_id": "y"})
    assert two.json()["detail"][0]["msg"].endswith(", not file_id and text")
    bad_base64 = client.post(f"{API}/run", json={**body, "file": {"data": "***", "mime_type": "text/plain"}})
    assert detail_locs(bad_base64) == [["body", "file", "data"]]
    assert detail_locs(client.post(f"{API}/run", json={**body, "file": {"data": "eA=="}})) == [
        ["body", "file", "mime_type"]
    ]
    too_large = client.post(f"{API}/run", json={**body, "text": "x" * 11})
    assert too_large.status_code == 413
    assert too_large.json() == {
        "detail": "The file is 11 bytes, more than this server accepts (10 bytes; see --max-file-size)."
    }
    assert client.post(f"{API}/run", json={**body, "file_id": "nofile"}).status_code == 404
    bad_schema = client.post(
        f"{API}/run", json={"config": {}, "data_schema": {"type": "object", "properties": []}, "text": "x"}
    )
    assert detail_locs(bad_schema) == [["body", "data_schema", "properties"]]


# ------------------------------------------------------------------ the admin clock
def test_the_clock_endpoint(fast, clocked):
    wall = ok(fast.get("/_mock/clock", headers={"Authorization": ""}))  # outside /api/: no token needed
    assert (wall["virtual"], wall["frozen"]) == (False, False)
    refused = fast.post("/_mock/clock/advance", json={"seconds": 1})
    assert refused.status_code == 409 and refused.headers["x-should-retry"] == "false"
    before = ok(clocked.get("/_mock/clock"))
    after = advance(clocked, 90.5)
    assert (after["virtual"], after["frozen"]) == (True, True)
    assert instant(after["now"]) - instant(before["now"]) == timedelta(seconds=90.5)  # frozen in between
    assert detail_locs(clocked.post("/_mock/clock/advance", json={"seconds": -1})) == [["body", "seconds"]]


# ------------------------------------------------------------------ persistence
def test_agents_jobs_and_runs_survive_a_restart(tmp_path):
    config = Config(db_path=tmp_path / "state.json", validate_responses=True, job_duration=0)
    with create_app(config).test_client(headers=AUTH) as client:
        agent = create_agent(client)
        job = run_job(client, agent, upload(client))
        run = ok(client.get(f"{API}/runs/by-job/{job['id']}"))
    with create_app(config).test_client(headers=AUTH) as client:
        assert ok(client.get(f"{AGENTS}/{agent['id']}")) == agent
        assert ok(client.get(f"{API}/jobs/{job['id']}")) == job
        assert ok(client.get(f"{API}/runs/by-job/{job['id']}")) == run
