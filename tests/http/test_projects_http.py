"""Project reads over HTTP (/api/v1/projects, /api/v2/projects): the default project, and every
project something was stored in."""

from __future__ import annotations

from mockserver.domain.projects import ORGANIZATION_ID
from tests.support import DEFAULT_PROJECT_ID as DEFAULT_PROJECT
from tests.support import ok


def test_the_default_project_always_exists(client):
    (default,) = ok(client.get("/api/v1/projects"))
    assert set(default) == {"id", "name", "organization_id", "is_default", "created_at", "updated_at"}
    assert (default["id"], default["name"], default["organization_id"], default["is_default"]) == (
        DEFAULT_PROJECT,
        "Default",
        ORGANIZATION_ID,
        True,
    )
    assert ok(client.get(f"/api/v1/projects/{DEFAULT_PROJECT}")) == default
    assert ok(client.get(f"/api/v2/projects/{DEFAULT_PROJECT}")) == default
    assert ok(client.get("/api/v1/projects", params={"project_name": "Default"})) == [default]


def test_projects_appear_once_something_is_stored_in_them(client):
    assert client.get("/api/v1/projects/p-agent-data").status_code == 404
    client.post(
        "/api/v1/beta/agent-data", params={"project_id": "p-agent-data"}, json={"data": {}, "deployment_name": "d"}
    )
    client.post(
        "/api/v1/beta/files",
        headers={"Project-Id": "p-files"},
        data={"purpose": "user_data"},
        files={"file": ("a.txt", b"a", "text/plain")},
    )
    listed = ok(client.get("/api/v1/projects"))
    assert [p["id"] for p in listed] == [DEFAULT_PROJECT, "p-agent-data", "p-files"]
    project = ok(client.get("/api/v1/projects/p-files"))
    assert (project["name"], project["is_default"], project["organization_id"]) == ("p-files", False, ORGANIZATION_ID)
    assert ok(client.get("/api/v1/projects/p-files")) == project  # recorded once: a stable created_at

    first = ok(client.get("/api/v2/projects", params={"page_size": 2}))
    assert [p["id"] for p in first["items"]] == [DEFAULT_PROJECT, "p-agent-data"]
    rest = ok(client.get("/api/v2/projects", params={"page_size": 2, "page_token": first["next_page_token"]}))
    assert ([p["id"] for p in rest["items"]], rest["next_page_token"]) == (["p-files"], None)
    assert [p["id"] for p in ok(client.get("/api/v2/projects", params={"name": "p-files"}))["items"]] == ["p-files"]


def test_another_organization_holds_no_project(client):
    assert ok(client.get("/api/v1/projects", params={"organization_id": "org-x"})) == []
    assert ok(client.get("/api/v2/projects", params={"organization_id": "org-x"}))["items"] == []
    missing = client.get(f"/api/v1/projects/{DEFAULT_PROJECT}", params={"organization_id": "org-x"})
    assert missing.status_code == 404 and missing.json() == {"detail": f"Project '{DEFAULT_PROJECT}' not found"}
    assert client.get("/api/v2/projects", params={"page_token": "x"}).status_code == 422
