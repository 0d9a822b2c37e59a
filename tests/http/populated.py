"""One of everything in a project, for the tests that go over every operation
(test_project_isolation.py, test_hostile_input.py)."""

from __future__ import annotations

from tests.support import AGENTS, ROOT

SCHEMA = {"type": "object", "properties": {"vendor": {"type": "string"}}}
TEXT = b"Vendor: Globex\nTotal: 12\n"


def ok(response) -> dict:
    assert response.status_code < 300, response.text
    return response.json()


# the deployment of examples/workflows/wfdemo.yaml, when a server serves it
WORKFLOWS = "/deployments/wfdemo"
WORKFLOWS_SCENARIO = ROOT / "examples" / "workflows" / "wfdemo.yaml"


def populate(client, profile: str, project: str) -> dict[str, str]:
    """One of everything in ``project``, as the profile serves it; their ids."""
    a = {"project_id": project}
    if profile == "seed":
        file = ok(client.post("/api/v1/files", params=a, files={"file": ("a.txt", TEXT, "text/plain")}))
        agent = ok(
            client.post(
                "/api/v1/extraction/extraction-agents",
                json={"name": "invoices", "project_id": project, "data_schema": SCHEMA},
            )
        )
        job = ok(
            client.post("/api/v1/extraction/jobs", json={"extraction_agent_id": agent["id"], "file_ids": [file["id"]]})
        )
        return {"file": file["id"], "agent": agent["id"], "seed_job": job["id"]}
    file = ok(client.post("/api/v1/files", params=a, files={"upload_file": ("a.txt", TEXT, "text/plain")}))
    agent = ok(client.post(AGENTS, params=a, json={"name": "invoices", "data_schema": SCHEMA, "config": {}}))
    job = ok(
        client.post(
            "/api/v1/extraction/jobs", params=a, json={"extraction_agent_id": agent["id"], "file_id": file["id"]}
        )
    )
    run = ok(client.get(f"/api/v1/extraction/runs/by-job/{job['id']}", params=a))
    beta_file = ok(
        client.post(
            "/api/v1/beta/files", params=a, data={"purpose": "extract"}, files={"file": ("b.txt", TEXT, "text/plain")}
        )
    )
    v2_job = ok(
        client.post(
            "/api/v2/extract", params=a, json={"file_input": beta_file["id"], "configuration": {"data_schema": SCHEMA}}
        )
    )
    record = ok(client.post("/api/v1/beta/agent-data", params=a, json={"deployment_name": "app", "data": {"v": 1}}))
    ids = {
        "file": file["id"],
        "agent": agent["id"],
        "job": job["id"],
        "run": run["id"],
        "beta_file": beta_file["id"],
        "v2_job": v2_job["id"],
        "record": record["id"],
    }
    if client.get(f"{WORKFLOWS}/workflows").status_code == 200:  # served with the example scenario
        ended = ok(client.post(f"{WORKFLOWS}/workflows/echo/run", json={"start_event": {"text": "t"}}))
        ids["handler"] = ended["handler_id"]  # ended: its event stream answers at once
    return ids
