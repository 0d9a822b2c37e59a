"""Lenient mode (--lenient): unknown ids read by GET materialize as valid objects (Prism-like);
strict, the default, answers 404. Response validation is on: every materialized object fits the spec."""

from __future__ import annotations

import pytest

from mockserver.domain.lenient import PLACEHOLDER_CONTENT
from tests.support import ok

API = "/api/v1"
PLACEHOLDER = "182bd5e5-6e1a-4fe4-a799-aa6d9d6fa780"  # the kind of id the SDKs' generated tests use


@pytest.fixture
def lenient(make_client):
    return make_client(lenient=True, job_duration=10)


@pytest.mark.parametrize(
    "path",
    [
        f"/beta/agent-data/{PLACEHOLDER}",
        f"/extraction/extraction-agents/{PLACEHOLDER}",
        "/extraction/extraction-agents/by-name/invoices",
        f"/extraction/jobs/{PLACEHOLDER}",
        f"/extraction/jobs/{PLACEHOLDER}/result",
        f"/extraction/runs/by-job/{PLACEHOLDER}",
        f"/extraction/runs/{PLACEHOLDER}",
        f"/files/{PLACEHOLDER}",
        f"/files/{PLACEHOLDER}/content",
    ],
)
def test_strict_is_the_default(client, path):
    assert client.get(API + path).status_code == 404


def test_agent_data_materializes_and_then_exists(lenient):
    record = ok(lenient.get(f"{API}/beta/agent-data/item_id"))
    assert {k: record[k] for k in ("id", "deployment_name", "collection", "data")} == {
        "id": "item_id",
        "deployment_name": "_public",
        "collection": "default",
        "data": {},
    }
    assert record["project_id"] == "00000000-0000-4000-8000-000000000001"
    assert ok(lenient.get(f"{API}/beta/agent-data/item_id")) == record  # the same object, now stored
    updated = ok(lenient.put(f"{API}/beta/agent-data/item_id", json={"data": {"n": 1}}))
    assert updated["data"] == {"n": 1}
    search = ok(lenient.post(f"{API}/beta/agent-data/:search", json={"deployment_name": "_public"}))
    assert [r["id"] for r in search["items"]] == ["item_id"]
    # writes and deletes of unknown ids stay strict
    assert lenient.put(f"{API}/beta/agent-data/other", json={"data": {}}).status_code == 404
    assert lenient.delete(f"{API}/beta/agent-data/other").status_code == 404


def test_objects_materialize_in_the_requested_project_and_never_cross_projects(lenient):
    record = ok(lenient.get(f"{API}/beta/agent-data/{PLACEHOLDER}", params={"project_id": "p1"}))
    assert record["project_id"] == "p1"
    assert lenient.get(f"{API}/beta/agent-data/{PLACEHOLDER}", params={"project_id": "p2"}).status_code == 404
    agent = ok(lenient.get(f"{API}/extraction/extraction-agents/a1", headers={"Project-Id": "p3"}))
    assert agent["project_id"] == "p3"


def test_agents_materialize_by_id_and_by_name(lenient):
    agent = ok(lenient.get(f"{API}/extraction/extraction-agents/agent-x"))
    assert (agent["id"], agent["name"]) == ("agent-x", "agent-x")
    assert agent["data_schema"] == {"type": "object", "properties": {}}
    named = ok(lenient.get(f"{API}/extraction/extraction-agents/by-name/invoices"))
    assert named["name"] == "invoices"
    assert ok(lenient.get(f"{API}/extraction/extraction-agents/by-name/invoices"))["id"] == named["id"]
    assert ok(lenient.get(f"{API}/extraction/jobs", params={"extraction_agent_id": "agent-y"})) == []
    assert ok(lenient.get(f"{API}/extraction/extraction-agents/agent-y"))["id"] == "agent-y"


def test_jobs_and_runs_materialize_already_succeeded(lenient):
    job = ok(lenient.get(f"{API}/extraction/jobs/{PLACEHOLDER}"))
    assert (job["id"], job["status"], job["error"]) == (PLACEHOLDER, "SUCCESS", None)
    assert job["extraction_agent"]["name"] == "_default"
    assert job["file"]["name"] == "placeholder.txt"
    result = ok(lenient.get(f"{API}/extraction/jobs/{PLACEHOLDER}/result"))
    assert result["data"] == {}
    run = ok(lenient.get(f"{API}/extraction/runs/by-job/{PLACEHOLDER}"))
    assert (run["job_id"], run["status"]) == (PLACEHOLDER, "SUCCESS")
    by_run = ok(lenient.get(f"{API}/extraction/runs/run-1"))
    assert by_run["id"] == "run-1" and by_run["status"] == "SUCCESS"
    assert ok(lenient.get(f"{API}/extraction/jobs/{by_run['job_id']}"))["status"] == "SUCCESS"


def test_files_materialize_with_content(lenient):
    file = ok(lenient.get(f"{API}/files/file-1"))
    assert (file["id"], file["name"], file["file_type"], file["file_size"]) == (
        "file-1",
        "placeholder.txt",
        "txt",
        len(PLACEHOLDER_CONTENT),
    )
    url = ok(lenient.get(f"{API}/files/file-2/content"))["url"]
    assert lenient.get(url.replace("http://testserver", "")).content == PLACEHOLDER_CONTENT
