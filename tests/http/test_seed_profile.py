"""``--profile seed``: the published LlamaExtract spec served as written, over the same domain."""

from __future__ import annotations

import pytest

from mockserver.app import create_app
from mockserver.config import Config
from tests.support import AGENTS, AUTH, FILES

JOBS = "/api/v1/extraction/jobs"
SCHEMA = {"type": "object", "properties": {"total": {"type": "number"}, "vendor": {"type": "string"}}}


@pytest.fixture
def seed_app():
    apps = []

    def make(**overrides):
        app = create_app(Config(profile="seed", validate_responses=True, **overrides))
        client = app.test_client(headers=AUTH)
        client.__enter__()
        apps.append(client)
        return app, client

    yield make
    for client in apps:
        client.__exit__(None, None, None)


@pytest.fixture
def seed(seed_app):
    return seed_app(job_duration=0)[1]


def upload(client, name="invoice.txt", content=b"Total: 12.50\nVendor: ACME\n", project="p1"):
    response = client.post(FILES, params={"project_id": project}, files={"file": (name, content, "text/plain")})
    assert response.status_code == 200, response.text
    return response.json()


def create_agent(client, name="invoices", project="p1", **fields):
    response = client.post(AGENTS, json={"name": name, "project_id": project, "data_schema": SCHEMA, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def test_only_the_seed_spec_is_served_under_api_v1(seed):
    assert seed.get("/api/v1/beta/agent-data/x").status_code == 404
    assert seed.get("/api/v1/extraction/extraction-agents/default").status_code == 404  # a get by id: no such agent
    assert seed.get(f"{AGENTS}/by-name/x").status_code == 404
    assert seed.get("/api/v1/extraction/runs").status_code == 404
    assert seed.get(AGENTS, params={"project_id": "p1"}).json() == []


def test_an_agent_is_created_with_201_its_project_in_the_body_and_its_description_echoed(seed):
    agent = create_agent(seed, description="Invoices from ACME", prompt="ignored")
    assert set(agent) == {"id", "name", "project_id", "data_schema", "description", "created_at", "updated_at"}
    assert (agent["name"], agent["project_id"], agent["description"]) == ("invoices", "p1", "Invoices from ACME")
    assert agent["data_schema"] == SCHEMA
    assert seed.get(f"{AGENTS}/{agent['id']}").json() == agent
    assert seed.get(AGENTS, params={"project_id": "p1"}).json() == [agent]
    assert seed.get(AGENTS, params={"project_id": "p2"}).json() == []


def test_names_need_not_be_unique_and_any_object_is_a_schema(seed):
    first = create_agent(seed, name="same")
    second = seed.post(AGENTS, json={"name": "same", "project_id": "p1", "data_schema": {"anything": 1}})
    assert second.status_code == 201
    assert second.json()["data_schema"] == {"anything": 1}
    no_schema = seed.post(AGENTS, json={"name": "bare", "project_id": "p1"})
    assert no_schema.status_code == 201 and no_schema.json()["data_schema"] == {}
    assert "description" not in no_schema.json()
    assert [a["id"] for a in seed.get(AGENTS, params={"project_id": "p1"}).json()][:2] == [
        first["id"],
        second.json()["id"],
    ]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"project_id": "p1"}, ["body", "name"]),
        ({"name": "x", "project_id": "p1", "description": None}, ["body", "description"]),
        ({"name": "x", "project_id": "p1", "data_schema": {"type": 5}}, ["body", "data_schema", "type"]),
        ({"name": "x", "project_id": "p1", "data_schema": {"type": "string"}}, ["body", "data_schema", "type"]),
    ],
)
def test_invalid_agents_are_400_as_the_seed_declares_not_422(seed, body, loc):
    response = seed.post(AGENTS, json=body)
    assert response.status_code == 400
    assert response.json()["detail"][0]["loc"] == loc


def test_listing_without_its_required_project_is_400(seed):
    response = seed.get(AGENTS)
    assert response.status_code == 400
    assert response.json() == {
        "detail": [
            {"type": "value_error", "loc": ["query", "project_id"], "msg": "Missing query parameter 'project_id'"}
        ]
    }


def test_update_renames_and_describes_and_keeps_what_it_does_not_name(seed):
    agent = create_agent(seed, description="old")
    response = seed.put(f"{AGENTS}/{agent['id']}", json={"name": "renamed"})
    assert response.status_code == 200
    updated = response.json()
    assert (updated["name"], updated["description"], updated["data_schema"]) == ("renamed", "old", SCHEMA)
    assert updated["updated_at"] > agent["updated_at"] and updated["created_at"] == agent["created_at"]
    again = seed.put(f"{AGENTS}/{agent['id']}", json={"description": "new", "data_schema": {"type": "object"}}).json()
    assert (again["name"], again["description"], again["data_schema"]) == ("renamed", "new", {"type": "object"})
    assert seed.put(f"{AGENTS}/nope", json={"name": "x"}).status_code == 404


def test_delete_answers_200_without_a_body_and_the_agent_is_gone(seed):
    agent = create_agent(seed)
    response = seed.delete(f"{AGENTS}/{agent['id']}")
    assert (response.status_code, response.content) == (200, b"")
    assert seed.get(f"{AGENTS}/{agent['id']}").status_code == 404
    assert seed.delete(f"{AGENTS}/{agent['id']}").status_code == 404
    assert seed.put(f"{AGENTS}/", json={"name": "x"}).status_code == 404  # an empty id names nothing either


def test_upload_takes_the_multipart_part_file_and_answers_the_seed_file_shape(seed):
    file = upload(seed, name="../scan.pdf", content=b"%PDF-1.4")
    assert set(file) == {"id", "name", "project_id", "file_size", "content_type", "created_at"}
    assert (file["name"], file["project_id"], file["file_size"]) == ("scan.pdf", "p1", 8)
    assert file["content_type"] == "text/plain"  # the part's own content type, as recorded
    wrong_part = seed.post(FILES, params={"project_id": "p1"}, files={"upload_file": ("a.txt", b"x", "text/plain")})
    assert wrong_part.status_code == 400
    assert wrong_part.json()["detail"][0]["loc"] == ["body", "file"]


def test_a_file_beyond_the_limit_is_400_as_the_seed_declares_no_413(seed_app):
    _, client = seed_app(max_file_size=4)
    response = client.post(FILES, params={"project_id": "p1"}, files={"file": ("big.txt", b"12345", "text/plain")})
    assert response.status_code == 400
    assert "5 bytes" in response.json()["detail"]


def test_a_job_walks_pending_processing_completed_and_serves_its_result(seed_app):
    app, client = seed_app(virtual_clock=True, job_duration=2)
    agent = create_agent(client)
    files = [upload(client), upload(client, name="second.txt", content=b"Total: 3\n")]
    response = client.post(JOBS, json={"extraction_agent_id": agent["id"], "file_ids": [f["id"] for f in files]})
    assert response.status_code == 200
    job = response.json()
    assert set(job) == {"id", "extraction_agent_id", "status", "file_ids", "created_at"}
    assert (job["status"], job["file_ids"]) == ("pending", [files[0]["id"], files[1]["id"]])
    assert client.get(f"{JOBS}/{job['id']}/result").status_code == 404

    app.state.clock.advance(1.5)
    assert client.get(f"{JOBS}/{job['id']}").json()["status"] == "processing"
    assert client.get(f"{JOBS}/{job['id']}/result").status_code == 404

    app.state.clock.advance(1.0)
    done = client.get(f"{JOBS}/{job['id']}").json()
    assert done["status"] == "completed" and done["completed_at"] > done["created_at"]
    result = client.get(f"{JOBS}/{job['id']}/result").json()
    assert result == {
        "job_id": job["id"],
        "results": [
            {
                "file_id": files[0]["id"],
                "file_name": "invoice.txt",
                "status": "success",
                "data": {"total": 12.5, "vendor": "ACME"},
            },
            {
                "file_id": files[1]["id"],
                "file_name": "second.txt",
                "status": "success",
                "data": result["results"][1]["data"],
            },
        ],
    }
    assert result["results"][1]["data"]["total"] == 3


def test_unknown_files_are_per_file_errors_and_an_unknown_agent_fails_the_job(seed):
    agent = create_agent(seed)
    file = upload(seed)
    mixed = seed.post(JOBS, json={"extraction_agent_id": agent["id"], "file_ids": [file["id"], "nope"]}).json()
    assert mixed["status"] == "completed"
    results = seed.get(f"{JOBS}/{mixed['id']}/result").json()["results"]
    assert [r["status"] for r in results] == ["success", "error"]
    assert results[1] == {"file_id": "nope", "status": "error", "error": "File 'nope' not found in project p1"}

    lost = seed.post(JOBS, json={"extraction_agent_id": "nope", "file_ids": [file["id"]]}).json()
    assert lost["status"] == "failed"
    assert seed.get(f"{JOBS}/{lost['id']}/result").json()["results"] == [
        {"file_id": file["id"], "status": "error", "error": "Extraction agent 'nope' not found"}
    ]
    empty = seed.post(JOBS, json={"extraction_agent_id": agent["id"], "file_ids": []}).json()
    assert (empty["status"], seed.get(f"{JOBS}/{empty['id']}/result").json()["results"]) == ("completed", [])


def test_a_job_whose_every_file_fails_is_failed(seed):
    agent = create_agent(seed)
    file = upload(seed, name="llamacloud-mock:fail.txt")
    job = seed.post(JOBS, json={"extraction_agent_id": agent["id"], "file_ids": [file["id"]]}).json()
    assert job["status"] == "failed"
    [result] = seed.get(f"{JOBS}/{job['id']}/result").json()["results"]
    assert result["status"] == "error" and "carries the marker 'llamacloud-mock:fail'" in result["error"]
    assert "data" not in result


def test_a_malformed_job_is_400_and_an_unknown_job_404(seed):
    response = seed.post(JOBS, json={"extraction_agent_id": "a"})
    assert response.status_code == 400
    assert response.json()["detail"][0]["loc"] == ["body", "file_ids"]
    assert seed.get(f"{JOBS}/nope").status_code == 404
    assert seed.get(f"{JOBS}/nope/result").status_code == 404


def test_the_seed_profile_runs_on_the_shared_domain(seed_app):
    app, client = seed_app(job_duration=0)
    agent = create_agent(client)
    file = upload(client)
    client.post(JOBS, json={"extraction_agent_id": agent["id"], "file_ids": [file["id"]]})
    assert app.state.extraction.get_agent(agent["id"])["name"] == "invoices"
    assert app.state.files.get(file["id"])["name"] == "invoice.txt"
    [domain_job] = app.state.extraction.list_jobs(agent["id"])
    assert (domain_job["status"], domain_job["file_id"]) == ("SUCCESS", file["id"])
