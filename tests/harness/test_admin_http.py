"""The admin API (openapi/admin.yaml) over HTTP: health, version header, admin key, reset,
snapshot and restore, fixtures, ids, the clock and per-job lifecycle control."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime

import orjson
import pytest

from mockserver import __version__
from mockserver.admin.fixtures import FixtureFileError
from mockserver.app import create_app
from mockserver.config import Config
from tests.support import AGENT_DATA, AUTH, ok

EXTRACTION = "/api/v1/extraction"
START = "2030-01-01T00:00:00.000000Z"


def create_record(client, **data) -> dict:
    return ok(client.post(AGENT_DATA, json={"data": data, "deployment_name": "d"}))


# ------------------------------------------------------------------ health, version, admin key
def test_health_readiness_and_the_version_header_on_every_response(client):
    assert ok(client.get("/_mock/health")) == {"status": "ok", "version": __version__}
    assert ok(client.get("/_mock/ready")) == {"ready": True, "version": __version__}
    responses = [
        client.get("/_mock/health"),
        client.post(AGENT_DATA, json={"data": {}, "deployment_name": "d"}),  # 200
        client.get(f"{AGENT_DATA}/nope"),  # 404
        client.post(AGENT_DATA, json={"data": 1, "deployment_name": "d"}),  # 422
        client.get(f"{AGENT_DATA}/nope", headers={"Authorization": ""}),  # 401, before routing
        client.get("/no/such/path"),  # 404 of the router
    ]
    assert [r.status_code for r in responses] == [200, 200, 404, 422, 401, 404]
    assert {r.headers["llamacloud-mock-version"] for r in responses} == {__version__}


def test_the_admin_key_guards_everything_but_health_and_readiness(make_client):
    client = make_client(admin_key="s3cret")
    assert client.get("/_mock/health").status_code == 200
    assert client.get("/_mock/ready").status_code == 200
    missing = client.get("/_mock/clock")  # the API key of the test client is not the admin key
    assert missing.status_code == 401
    assert missing.json() == {"detail": "Invalid admin key: send the key given to the server with --admin-key."}
    assert missing.headers["www-authenticate"] == "Bearer"
    none = client.post("/_mock/reset", headers={"Authorization": ""})
    assert none.status_code == 401 and none.json()["detail"].startswith("Missing admin key")
    admin = {"Authorization": "Bearer s3cret"}
    assert client.get("/_mock/clock", headers=admin).status_code == 200
    assert client.post("/_mock/reset", headers=admin).status_code == 200
    # the admin key is not an API key, and the API keys still work under /api/
    assert client.post(AGENT_DATA, json={"data": {}, "deployment_name": "d"}).status_code == 200


def test_without_an_admin_key_the_admin_api_is_open(client):
    assert client.get("/_mock/snapshot", headers={"Authorization": ""}).status_code == 200


# ------------------------------------------------------------------ reset
def test_reset_empties_everything(make_client):
    client = make_client(virtual_clock=True, id_seed=7)
    first_ids = [create_record(client, i=i)["id"] for i in range(3)]
    upload = client.post("/api/v1/files", files={"upload_file": ("a.txt", b"hello")})
    assert upload.status_code == 200
    ok(client.post("/_mock/clock/advance", json={"seconds": 3600}))
    ok(client.post("/_mock/faults", json={"path": "/nothing", "status": 500}))
    state = client.app.state
    for i in range(5000):
        state.agent_data.create({"i": i}, "bulk", None, None)

    result = ok(client.post("/_mock/reset"))
    # the time it took, measured inside the server (a figure, not judged here: speed belongs in bench/)
    assert isinstance(result["duration_ms"], float) and result["duration_ms"] >= 0
    search = ok(client.post(f"{AGENT_DATA}/:search", json={"deployment_name": "d", "include_total": True}))
    assert search["total_size"] == 0
    assert client.get(f"/api/v1/files/{upload.json()['id']}").status_code == 404
    assert ok(client.get("/_mock/faults")) == {"items": []}
    journal = ok(client.get("/_mock/requests"))
    assert (journal["total"], journal["received"]) == (2, 2)  # the two requests since the reset
    assert ok(client.get("/_mock/clock"))["now"] == state.clock.now_iso()
    assert state.clock.time() == state.clock_origin  # back where it started, frozen
    # the id sequence starts again from --id-seed: the same ids as before
    assert [create_record(client, i=i)["id"] for i in range(3)] == first_ids


def test_reset_takes_an_id_seed_and_a_clock(make_client):
    client = make_client(virtual_clock=True)
    ok(client.post("/_mock/reset", json={"id_seed": 42, "clock": START}))
    record = create_record(client)
    assert record["created_at"] == START
    ok(client.post("/_mock/reset", json={"id_seed": 42, "clock": "2030-01-01T00:00:00Z"}))
    assert create_record(client) == record  # same id, same timestamps
    bad = client.post("/_mock/reset", json={"clock": "yesterday"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "clock"]
    assert client.post("/_mock/reset", json={"colour": 1}).json()["detail"][0]["loc"] == ["body", "colour"]


def test_a_wall_clock_cannot_be_set_by_a_reset(client):
    refused = client.post("/_mock/reset", json={"clock": START})
    assert refused.status_code == 409
    assert refused.json()["detail"].startswith("The server's clock is wall time and cannot be set")


def test_reset_of_a_persisted_state_is_one_log_entry_and_a_restart_replays_it(tmp_path):
    config = Config(db_path=tmp_path / "state.json", validate_responses=True)
    with create_app(config).test_client(headers=AUTH) as client:
        for i in range(200):
            create_record(client, i=i)
        file = ok(client.post("/api/v1/files", files={"upload_file": ("a.txt", b"x")}))
        for _ in range(2):
            ok(client.post("/_mock/reset"))
        # one log entry holds the new (empty) state: acknowledged before the answer, no fsync
        assert orjson.loads((tmp_path / "state.json.wal").read_bytes().splitlines()[-1]) == ["*", {}]
        assert not (tmp_path / "state.json.files" / file["id"]).exists()
        kept = create_record(client, kept=True)
    with create_app(config).test_client(headers=AUTH) as client:  # a restart replays it
        search = ok(client.post(f"{AGENT_DATA}/:search", json={"deployment_name": "d", "include_total": True}))
        assert search["total_size"] == 1 and search["items"][0]["id"] == kept["id"]


# ------------------------------------------------------------------ snapshot and restore
def test_snapshot_and_restore_the_whole_state(make_client):
    client = make_client(virtual_clock=True, id_seed=1, job_duration=10)
    record = create_record(client, name="ann")
    file = ok(client.post("/api/v1/files", files={"upload_file": ("inv.txt", b"Total: 12")}))
    agent = ok(
        client.post(
            f"{EXTRACTION}/extraction-agents",
            json={
                "name": "a",
                "data_schema": {"type": "object", "properties": {"total": {"type": "number"}}},
                "config": {},
            },
        )
    )
    job = ok(client.post(f"{EXTRACTION}/jobs", json={"extraction_agent_id": agent["id"], "file_id": file["id"]}))
    snapshot = ok(client.get("/_mock/snapshot"))
    assert snapshot["format"] == "llamacloud-mock-snapshot/1" and snapshot["version"] == __version__
    assert base64.b64decode(snapshot["files"][file["id"]]) == b"Total: 12"
    assert snapshot["clock"]["virtual"] is True and snapshot["clock"]["frozen"] is True
    assert set(snapshot["tables"]["agent_data"]) == {record["id"]}
    next_id_before = create_record(client)["id"]  # consumed after the snapshot

    ok(client.post("/_mock/clock/advance", json={"seconds": 60}))  # the job ends
    assert ok(client.get(f"{EXTRACTION}/jobs/{job['id']}"))["status"] == "SUCCESS"
    ok(client.post("/_mock/reset"))

    restored = ok(client.post("/_mock/restore", json=snapshot))["restored"]
    assert restored["agent_data"] == 1 and restored["extraction_jobs"] == 1 and restored["files"] == 1
    assert ok(client.get(f"{AGENT_DATA}/{record['id']}")) == record
    assert ok(client.get(f"{EXTRACTION}/jobs/{job['id']}"))["status"] == "PENDING"  # the clock came back too
    content = ok(client.get(f"/api/v1/files/{file['id']}/content"))
    assert client.get(content["url"].replace("http://testserver", "")).content == b"Total: 12"
    assert create_record(client)["id"] == next_id_before  # and the id sequence


def test_restore_refuses_what_is_not_a_snapshot(client):
    refused = client.post("/_mock/restore", json={"format": "other", "tables": {}})
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "format"]
    bad_files = client.post(
        "/_mock/restore", json={"format": "llamacloud-mock-snapshot/1", "tables": {}, "files": {"f": "@@"}}
    )
    assert bad_files.status_code == 422 and bad_files.json()["detail"][0]["loc"] == ["body", "files"]


def test_restore_is_persisted(make_client, tmp_path):
    config = Config(db_path=tmp_path / "state.json", validate_responses=True)
    with create_app(config).test_client(headers=AUTH) as client:
        record = create_record(client, x=1)
        snapshot = ok(client.get("/_mock/snapshot"))
        ok(client.post("/_mock/reset"))
        ok(client.post("/_mock/restore", json=snapshot))
    with create_app(config).test_client(headers=AUTH) as client:
        assert ok(client.get(f"{AGENT_DATA}/{record['id']}")) == record


# ------------------------------------------------------------------ fixtures and ids
FIXTURE = {
    "files": [{"name": "invoice.txt", "content": "Invoice Number: INV-7\nTotal: 12.5\n", "id": "file-1"}],
    "extraction_agents": [
        {
            "name": "invoices",
            "data_schema": {"type": "object", "properties": {"invoice_number": {"type": "string"}}},
            "id": "agent-1",
        }
    ],
    "agent_data": [
        {"deployment_name": "app", "data": {"n": 1}, "id": "rec-1"},
        {"deployment_name": "app", "collection": "c", "data": {"n": 2}},
    ],
}


def test_a_fixture_creates_its_objects(make_client):
    client = make_client(id_seed=3, job_duration=0)
    created = ok(client.post("/_mock/fixtures", json=FIXTURE))["created"]
    assert created["files"] == ["file-1"] and created["extraction_agents"] == ["agent-1"]
    assert created["agent_data"][0] == "rec-1" and len(created["agent_data"]) == 2
    assert ok(client.get(f"{AGENT_DATA}/rec-1"))["data"] == {"n": 1}
    assert ok(client.get(f"{AGENT_DATA}/{created['agent_data'][1]}"))["collection"] == "c"
    agent = ok(client.get(f"{EXTRACTION}/extraction-agents/by-name/invoices"))
    assert agent["id"] == "agent-1"
    assert agent["config"] == {"extraction_target": "PER_DOC", "extraction_mode": "BALANCED"}
    job = ok(client.post(f"{EXTRACTION}/jobs", json={"extraction_agent_id": "agent-1", "file_id": "file-1"}))
    result = ok(client.get(f"{EXTRACTION}/jobs/{job['id']}/result"))
    assert result["data"] == {"invoice_number": "INV-7"}  # read from the seeded file


def test_a_fixture_goes_in_whole_or_not_at_all(client):
    ok(client.post("/_mock/fixtures", json={"agent_data": [{"deployment_name": "app", "data": {}, "id": "taken"}]}))
    clash = {**FIXTURE, "agent_data": [{"deployment_name": "app", "data": {}, "id": "taken"}]}
    refused = client.post("/_mock/fixtures", json=clash)
    assert refused.status_code == 409
    assert refused.json() == {"detail": "Fixture agent_data[0]: the id 'taken' is already taken."}
    assert client.get("/api/v1/files/file-1").status_code == 404  # nothing of it was created
    bad_schema = {"extraction_agents": [{"name": "x", "data_schema": {"type": "array"}}]}
    assert client.post("/_mock/fixtures", json=bad_schema).json()["detail"][0]["loc"] == [
        "body",
        "extraction_agents",
        0,
        "data_schema",
        "type",
    ]
    unknown = client.post("/_mock/fixtures", json={"agents": []})
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["body", "agents"]


def test_the_seed_file_is_loaded_at_start_and_at_every_reset(make_client, tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text("agent_data:\n  - deployment_name: app\n    id: seeded\n    data: {when: 2024-01-01, n: 1}\n")
    client = make_client(seed_file=seed)
    assert ok(client.get(f"{AGENT_DATA}/seeded"))["data"] == {"when": "2024-01-01", "n": 1}  # YAML dates as text
    ok(client.delete(f"{AGENT_DATA}/seeded"))
    ok(client.post("/_mock/reset"))
    assert ok(client.get(f"{AGENT_DATA}/seeded"))["data"]["n"] == 1


def test_a_bad_seed_file_stops_the_start_with_its_reason(tmp_path):
    bad = tmp_path / "seed.yaml"
    bad.write_text("agent_data:\n  - data: {a: 1}\n")
    with pytest.raises(FixtureFileError, match=r"does not fit openapi/admin.yaml(?s:.*)deployment_name"):
        create_app(Config(seed_file=bad))
    bad.write_text("extraction_agents:\n  - {name: x, data_schema: {type: array}}\n")
    with pytest.raises(FixtureFileError, match="cannot be loaded: The root of data_schema must describe an object"):
        create_app(Config(seed_file=bad))
    with pytest.raises(FixtureFileError, match="cannot read the fixture file"):
        create_app(Config(seed_file=tmp_path / "missing.yaml"))


def test_a_persisted_state_is_not_seeded_again_at_start(tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text('{"agent_data": [{"deployment_name": "app", "data": {"n": 1}}]}')
    config = Config(seed_file=seed, db_path=tmp_path / "state.json", validate_responses=True)
    query = {"deployment_name": "app", "include_total": True}
    for _ in range(2):  # the second start finds the first's record and adds none
        with create_app(config).test_client(headers=AUTH) as client:
            assert ok(client.post(f"{AGENT_DATA}/:search", json=query))["total_size"] == 1


def test_deterministic_ids_from_a_seed(client):
    ok(client.post("/_mock/ids/seed", json={"seed": 5}))
    first = [create_record(client)["id"] for _ in range(3)]
    assert first[0] == "5bc8fbbc-bde5-4099-8164-d8399f767c45"  # the same on every machine and run
    ok(client.post("/_mock/reset"))
    assert ok(client.post("/_mock/ids/seed", json={"seed": 5})) == {"seed": 5}
    assert [create_record(client)["id"] for _ in range(3)] == first
    ok(client.post("/_mock/reset", json={"id_seed": 5}))  # the same in one call
    assert [create_record(client)["id"] for _ in range(3)] == first
    ok(client.post("/_mock/ids/seed", json={"seed": None}))
    assert create_record(client)["id"] not in first


# ------------------------------------------------------------------ the clock
def test_the_virtual_clock_freezes_resumes_and_is_set(make_client):
    client = make_client(virtual_clock=True)
    frozen = ok(client.get("/_mock/clock"))
    assert (frozen["virtual"], frozen["frozen"]) == (True, True)
    running = ok(client.post("/_mock/clock/resume"))
    assert running["frozen"] is False
    time.sleep(0.02)
    assert ok(client.get("/_mock/clock"))["now"] > running["now"]  # it moves on its own
    again = ok(client.post("/_mock/clock/freeze"))
    assert again["frozen"] is True and ok(client.get("/_mock/clock"))["now"] == again["now"]
    moved = ok(client.post("/_mock/clock/set", json={"now": START}))
    assert moved["now"] == START and moved["frozen"] is True
    back = client.post("/_mock/clock/set", json={"now": "2029-01-01T00:00:00Z"})
    assert back.status_code == 422 and "only moves forward" in back.json()["detail"][0]["msg"]
    naive = client.post("/_mock/clock/set", json={"now": "2031-01-01T00:00:00"})
    assert naive.status_code == 422 and "needs a time zone" in naive.json()["detail"][0]["msg"]


def test_a_running_virtual_clock(make_client):
    client = make_client(virtual_clock=True, clock_running=True)
    assert ok(client.get("/_mock/clock"))["frozen"] is False
    ok(client.post("/_mock/clock/set", json={"now": START}))
    assert ok(client.get("/_mock/clock"))["now"] >= START


@pytest.mark.parametrize("verb", ["freeze", "resume"])
def test_a_wall_clock_refuses_the_clock_controls(client, verb):
    refused = client.post(f"/_mock/clock/{verb}")
    assert refused.status_code == 409 and "start the server with --virtual-clock" in refused.json()["detail"]
    assert client.post("/_mock/clock/set", json={"now": START}).status_code == 409


# ------------------------------------------------------------------ jobs
@pytest.fixture
def jobs_client(make_client):
    client = make_client(virtual_clock=True, job_duration=10)
    ok(client.post("/_mock/reset", json={"clock": START}))
    return client


def start_job(client) -> str:
    file = ok(client.post("/api/v1/files", files={"upload_file": ("a.txt", b"Total: 3")}))
    agent = ok(
        client.post(
            f"{EXTRACTION}/extraction-agents",
            json={"name": f"a-{file['id']}", "data_schema": {"type": "object", "properties": {}}, "config": {}},
        )
    )
    return ok(client.post(f"{EXTRACTION}/jobs", json={"extraction_agent_id": agent["id"], "file_id": file["id"]}))["id"]


def job_status(client, job_id: str) -> str:
    return ok(client.get(f"{EXTRACTION}/jobs/{job_id}"))["status"]


def test_job_lifecycle_is_shown(jobs_client):
    job_id = start_job(jobs_client)
    lifecycle = ok(jobs_client.get(f"/_mock/jobs/{job_id}"))
    assert lifecycle == {
        "id": job_id,
        "kind": "extract_v1",
        "state": "queued",
        "held": False,
        "error": None,
        "schedule": {
            "queued_seconds": 5.0,
            "running_seconds": 5.0,
            "queued_polls": None,
            "running_polls": None,
            "outcome": "succeeded",
            "error": None,
        },
        "history": [{"state": "queued", "at": START}],
        "polls": 0,
    }
    assert [j["id"] for j in ok(jobs_client.get("/_mock/jobs"))["items"]] == [job_id]
    assert ok(jobs_client.get("/_mock/jobs", params={"state": "running"}))["items"] == []
    missing = jobs_client.get("/_mock/jobs/nope")
    assert missing.status_code == 404 and missing.json() == {"detail": "Job 'nope' not found"}


def test_hold_a_job_running_then_fail_it(jobs_client):
    job_id = start_job(jobs_client)
    held = ok(jobs_client.post(f"/_mock/jobs/{job_id}/hold", json={"state": "running"}))
    assert (held["state"], held["held"]) == ("running", True)
    ok(jobs_client.post("/_mock/clock/advance", json={"seconds": 3600}))
    assert job_status(jobs_client, job_id) == "PENDING"  # held: time does not move it
    run = ok(jobs_client.get(f"{EXTRACTION}/runs/by-job/{job_id}"))
    assert run["status"] == "PENDING"  # a run says running as PENDING (queued is CREATED)
    failed = ok(jobs_client.post(f"/_mock/jobs/{job_id}/finish", json={"outcome": "failed", "error": "OCR crashed"}))
    assert (failed["state"], failed["held"], failed["error"]) == ("failed", False, "OCR crashed")
    job = ok(jobs_client.get(f"{EXTRACTION}/jobs/{job_id}"))
    assert (job["status"], job["error"]) == ("ERROR", "OCR crashed")
    finished = jobs_client.post(f"/_mock/jobs/{job_id}/advance")
    assert finished.status_code == 409
    assert finished.json() == {"detail": f"Cannot advance job {job_id!r}: it has already finished (failed)."}


def test_advance_release_and_complete_a_job(jobs_client):
    job_id = start_job(jobs_client)
    assert ok(jobs_client.post(f"/_mock/jobs/{job_id}/advance"))["state"] == "running"
    assert ok(jobs_client.get(f"{EXTRACTION}/runs/by-job/{job_id}"))["status"] == "PENDING"
    assert ok(jobs_client.post(f"/_mock/jobs/{job_id}/advance"))["state"] == "succeeded"
    assert job_status(jobs_client, job_id) == "SUCCESS"

    other = start_job(jobs_client)
    ok(jobs_client.post(f"/_mock/jobs/{other}/hold", json={"state": "queued"}))
    ok(jobs_client.post("/_mock/clock/advance", json={"seconds": 60}))
    assert ok(jobs_client.get(f"/_mock/jobs/{other}"))["state"] == "queued"
    released = ok(jobs_client.post(f"/_mock/jobs/{other}/release"))
    assert (released["state"], released["held"]) == ("queued", False)
    ok(jobs_client.post("/_mock/clock/advance", json={"seconds": 5}))  # its queued step counts from the release
    assert ok(jobs_client.get(f"/_mock/jobs/{other}"))["state"] == "running"
    assert ok(jobs_client.post(f"/_mock/jobs/{other}/finish", json={"outcome": "succeeded"}))["state"] == "succeeded"
    bad = jobs_client.post(f"/_mock/jobs/{other}/hold", json={"state": "failed"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "state"]


def test_fail_a_job_at_a_step_by_its_schedule(jobs_client):
    job_id = start_job(jobs_client)
    changed = ok(
        jobs_client.put(
            f"/_mock/jobs/{job_id}/schedule",
            json={"queued_polls": 0, "running_polls": 2, "outcome": "failed", "error": "timeout at page 3"},
        )
    )
    assert changed["schedule"]["running_polls"] == 2 and changed["schedule"]["queued_seconds"] == 5.0
    assert [job_status(jobs_client, job_id) for _ in range(3)] == ["PENDING", "PENDING", "ERROR"]
    assert ok(jobs_client.get(f"{EXTRACTION}/jobs/{job_id}"))["error"] == "timeout at page 3"
    assert [h["state"] for h in ok(jobs_client.get(f"/_mock/jobs/{job_id}"))["history"]] == [
        "queued",
        "running",
        "failed",
    ]
    negative = jobs_client.put(f"/_mock/jobs/{job_id}/schedule", json={"running_polls": -1})
    assert negative.status_code == 422 and negative.json()["detail"][0]["loc"] == ["body", "running_polls"]


def test_job_timestamps_follow_the_clock(jobs_client):
    job_id = start_job(jobs_client)
    ok(jobs_client.post("/_mock/clock/advance", json={"seconds": 7.5}))
    history = ok(jobs_client.get(f"/_mock/jobs/{job_id}"))["history"]
    assert history == [
        {"state": "queued", "at": START},
        {"state": "running", "at": "2030-01-01T00:00:05.000000Z"},
    ]
    assert datetime.fromisoformat(history[1]["at"]).tzinfo == UTC
