"""What the dashboard reads over HTTP: its pages (mockserver/ui), and the admin operations added
for it (status, Agent Data collections, the newest jobs, the journal after a number). The page
itself is tested in a browser: tests/ui/."""

from __future__ import annotations

from mockserver import __version__
from tests.support import AGENT_DATA, ok


def test_the_pages_are_served_without_the_admin_key_and_load_nothing_from_elsewhere(make_client):
    client = make_client(admin_key="s3cret")
    page = client.get("/_mock/ui", headers={"Authorization": ""})
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert page.headers["llamacloud-mock-version"] == __version__
    for asset in ("core.js", "views.js", "start.js", "dashboard.css"):
        assert f'"/_mock/ui/{asset}"' in page.text
        served = client.get(f"/_mock/ui/{asset}")
        assert served.status_code == 200 and served.content
    assert "http" not in page.text.replace("http-equiv", "")  # no address elsewhere
    assert client.get("/_mock/ui/").text == page.text
    missing = client.get("/_mock/ui/nope.js")
    assert missing.status_code == 404 and "Open /_mock/ui" in missing.text
    root = client.get("/")
    assert root.status_code == 200 and 'href="/_mock/ui"' in root.text
    # the admin API itself still needs the key
    assert client.get("/_mock/status").status_code == 401
    # and the page's requests are no API traffic: the journal holds none of them
    assert ok(client.get("/_mock/requests", headers={"Authorization": "Bearer s3cret"}))["total"] == 0


def test_status_counts_tables_and_hides_the_keys(make_client):
    client = make_client(admin_key="s3cret", api_keys=("k1", "k2"), virtual_clock=True, journal_size=50)
    admin = {"Authorization": "Bearer s3cret"}
    for n in range(3):
        ok(
            client.post(
                AGENT_DATA, json={"deployment_name": "d", "data": {"n": n}}, headers={"Authorization": "Bearer k1"}
            )
        )
    status = ok(client.get("/_mock/status", headers=admin))
    assert status["version"] == __version__ and status["profile"] == "default"
    assert status["counts"]["agent_data"] == 3 and status["counts"]["files"] == 0
    assert status["options"]["api_keys"] == 2 and status["options"]["admin_key"] is True
    assert "s3cret" not in str(status) and "k1" not in str(status)
    assert status["options"]["virtual_clock"] == "frozen" and status["options"]["journal_size"] == 50
    assert status["clock"]["virtual"] is True and status["clock"]["frozen"] is True
    assert status["requests"] == {"received": 3, "journal_size": 50}
    assert status["memory_bytes"] > 10_000_000


def test_collections_of_every_project_and_deployment_with_their_counts(client):
    for deployment, collection, project in [("b", None, None), ("a", "x", None), ("a", "x", None), ("a", None, "p2")]:
        body = {"deployment_name": deployment, "data": {}}
        if collection:
            body["collection"] = collection
        ok(client.post(AGENT_DATA, json=body, params={"project_id": project} if project else None))
    default = "00000000-0000-4000-8000-000000000001"
    assert ok(client.get("/_mock/agent-data/collections"))["items"] == [
        {"project_id": default, "deployment_name": "a", "collection": "x", "count": 2},
        {"project_id": default, "deployment_name": "b", "collection": "default", "count": 1},
        {"project_id": "p2", "deployment_name": "a", "collection": "default", "count": 1},
    ]
    record = ok(client.post(f"{AGENT_DATA}/:search", json={"deployment_name": "b"}))["items"][0]
    assert client.delete(f"{AGENT_DATA}/{record['id']}").status_code == 200
    assert [c["deployment_name"] for c in ok(client.get("/_mock/agent-data/collections"))["items"]] == ["a", "a"]


def test_the_newest_jobs_and_the_requests_after_a_number(client):
    agent = ok(
        client.post(
            "/api/v1/extraction/extraction-agents",
            json={"name": "a", "data_schema": {"type": "object", "properties": {}}, "config": {}},
        )
    )
    upload = ok(client.post("/api/v1/files", files={"upload_file": ("a.txt", b"hi")}))
    jobs = [
        ok(client.post("/api/v1/extraction/jobs", json={"extraction_agent_id": agent["id"], "file_id": upload["id"]}))
        for _ in range(3)
    ]
    newest = ok(client.get("/_mock/jobs", params={"limit": 2}))["items"]
    assert [job["id"] for job in newest] == [jobs[1]["id"], jobs[2]["id"]]
    assert client.get("/_mock/jobs", params={"limit": 0}).status_code == 422

    page = ok(client.get("/_mock/requests"))
    assert [e["seq"] for e in page["items"]] == [1, 2, 3, 4, 5]
    after = ok(client.get("/_mock/requests", params={"after": 3}))
    assert [e["seq"] for e in after["items"]] == [4, 5] and after["total"] == 2
    assert ok(client.get("/_mock/requests", params={"after": 3, "method": "GET"}))["items"] == []
    assert ok(client.post("/_mock/requests/find", json={"after": 4}))["items"][0]["seq"] == 5
    assert ok(client.get("/_mock/requests", params={"after": 5}))["items"] == []
    bad = client.get("/_mock/requests", params={"after": "x"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "after"]
