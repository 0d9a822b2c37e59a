"""mockserver.testing: the fake in a thread, in a process, or in process with no socket, all
answering the same requests the same way."""

from __future__ import annotations

import httpx
import pytest

from mockserver.testing import AdminError, in_process, run_server

START = "2030-01-01T00:00:00Z"
ARGS = ["--virtual-clock", "--job-duration", "10", "--api-key", "k"]


def scripted_session(http: httpx.Client) -> list[tuple[int, object]]:
    """A fixed sequence of requests, successes and errors, with their answers."""
    answers = []

    def call(method: str, path: str, **kwargs) -> dict:
        response = http.request(method, path, **kwargs)
        answers.append((response.status_code, response.json()))
        return response.json()

    record = call("POST", "/api/v1/beta/agent-data", json={"data": {"name": "ann"}, "deployment_name": "d"})
    call("PUT", f"/api/v1/beta/agent-data/{record['id']}", json={"data": {"name": "bob"}})
    call("POST", "/api/v1/beta/agent-data/:search", json={"deployment_name": "d", "include_total": True})
    grouped = {"deployment_name": "d", "group_by": ["name"], "count": True}
    call("POST", "/api/v1/beta/agent-data/:aggregate", json=grouped)
    call("GET", "/api/v1/beta/agent-data/missing")
    call("POST", "/api/v1/beta/agent-data", json={"data": 1, "deployment_name": "d"})
    call("POST", "/api/v1/beta/agent-data", content=b"{oops", headers={"content-type": "application/json"})
    call("GET", "/api/v1/beta/agent-data/x", headers={"Authorization": "Bearer nope"})
    file = call("POST", "/api/v1/files", files={"upload_file": ("inv.txt", b"Invoice Number: 7\nTotal: 12")})
    agent = call(
        "POST",
        "/api/v1/extraction/extraction-agents",
        json={
            "name": "inv",
            "data_schema": {"type": "object", "properties": {"invoice_number": {"type": "string"}}},
            "config": {},
        },
    )
    job = call("POST", "/api/v1/extraction/jobs", json={"extraction_agent_id": agent["id"], "file_id": file["id"]})
    call("GET", f"/api/v1/extraction/jobs/{job['id']}")
    http.post("/_mock/clock/advance", json={"seconds": 10})
    call("GET", f"/api/v1/extraction/jobs/{job['id']}")
    call("GET", f"/api/v1/extraction/jobs/{job['id']}/result")
    call("DELETE", f"/api/v1/beta/agent-data/{record['id']}")
    call("GET", "/no/such/path")
    return answers


def run_script(mock) -> list[tuple[int, object]]:
    mock.admin.reset(id_seed=99, clock=START)
    with mock.http_client(headers={"Authorization": "Bearer k"}) as http:
        return scripted_session(http)


def test_thread_process_and_in_process_give_identical_answers():
    with in_process(ARGS) as local:
        expected = run_script(local)
    statuses = [status for status, _ in expected]
    assert statuses == [200, 200, 200, 200, 404, 422, 422, 401, 200, 200, 200, 200, 200, 200, 200, 404]
    assert expected[-3][1]["data"] == {"invoice_number": "7"}
    assert expected[11][1]["status"] == "PENDING" and expected[12][1]["status"] == "SUCCESS"
    with run_server(ARGS) as threaded:
        assert run_script(threaded) == expected
    with run_server(ARGS, mode="process") as process:
        assert run_script(process) == expected


def test_a_process_server_reports_a_bad_start(tmp_path):
    bad = tmp_path / "state.json"
    bad.write_text("not json")
    with pytest.raises(RuntimeError, match=r"(?s)exited with status 2 on start.*is not a TinyDB JSON file"):
        with run_server(["--db", str(bad)], mode="process"):
            pass


def test_admin_errors_carry_the_answer():
    with in_process() as mock:
        with pytest.raises(AdminError, match="POST /_mock/clock/advance answered 409") as refused:
            mock.admin.advance_clock(5)
        assert refused.value.status == 409
        assert refused.value.body["detail"].startswith("The server's clock is wall time")
        with pytest.raises(AdminError, match="answered 404: Job 'nope' not found"):
            mock.admin.job("nope")


def test_the_admin_client_drives_jobs_and_the_clock():
    with in_process(ARGS) as mock, mock.http_client() as http:
        mock.admin.reset(clock=START)
        file = http.post("/api/v1/files", files={"upload_file": ("a.txt", b"x")}).json()
        agent = http.post(
            "/api/v1/extraction/extraction-agents",
            json={"name": "a", "data_schema": {"type": "object", "properties": {}}, "config": {}},
        ).json()
        job = http.post("/api/v1/extraction/jobs", json={"extraction_agent_id": agent["id"], "file_id": file["id"]})
        job_id = job.json()["id"]
        assert [j["id"] for j in mock.admin.jobs(state="queued")] == [job_id]
        assert mock.admin.hold_job(job_id)["state"] == "running"
        assert mock.admin.advance_clock(3600)["now"] == "2030-01-01T01:00:00.000000Z"
        assert mock.admin.job(job_id)["state"] == "running"
        assert mock.admin.release_job(job_id)["held"] is False
        assert mock.admin.fail_job(job_id, "no pages")["error"] == "no pages"
        assert http.get(f"/api/v1/extraction/jobs/{job_id}").json()["status"] == "ERROR"
        assert mock.admin.freeze_clock()["frozen"] is True
        assert mock.admin.set_clock("2031-01-01T00:00:00Z")["now"] == "2031-01-01T00:00:00.000000Z"
        assert mock.admin.resume_clock()["frozen"] is False
        assert mock.admin.health()["status"] == "ok" and mock.admin.ready()["ready"] is True


def test_the_admin_client_reads_the_status_the_collections_and_pages_of_the_journal():
    with in_process(ARGS) as mock, mock.http_client() as http:
        for collection in ("a", "a", "b"):
            created = http.post(
                "/api/v1/beta/agent-data", json={"deployment_name": "d", "collection": collection, "data": {}}
            )
            assert created.status_code == 200
        status = mock.admin.status()
        assert status["profile"] == "default" and status["counts"]["agent_data"] == 3
        assert [(c["collection"], c["count"]) for c in mock.admin.agent_data_collections()] == [("a", 2), ("b", 1)]
        page = mock.admin.request_page(method="POST")
        assert [entry["status"] for entry in page["items"]] == [200, 200, 200] and page["total"] == 3
        last = mock.admin.request_page(limit=1, method="POST")["items"]
        assert last == page["items"][-1:]
