"""Fault rules and the request journal (mockserver/admin/), through the admin API."""

from __future__ import annotations

import time

import httpx
import pytest

from mockserver.admin.journal import MAX_BODY_BYTES
from mockserver.testing import in_process, run_server
from tests.support import AGENT_DATA, ok


def create(client, **data):
    return client.post(AGENT_DATA, json={"data": data, "deployment_name": "d"})


def add_fault(client, **rule) -> dict:
    return ok(client.post("/_mock/faults", json=rule))


# ------------------------------------------------------------------ fault rules
def test_two_503s_then_success(client):
    headers = {"Retry-After": "1", "x-should-retry": "true"}
    rule = add_fault(client, operation="create_agent_data", status=503, times=2, headers=headers)
    assert rule["id"] == "fault-1" and rule["exhausted"] is False
    first, second, third = create(client, n=1), create(client, n=2), create(client, n=3)
    assert [first.status_code, second.status_code, third.status_code] == [503, 503, 200]
    assert first.json() == {"detail": "Injected by llamacloud-mock fault rule fault-1 (status 503)."}
    assert (first.headers["retry-after"], first.headers["x-should-retry"]) == ("1", "true")
    assert first.headers["content-type"] == "application/json" and first.headers["llamacloud-mock-version"]
    assert third.json()["data"] == {"n": 3}
    counters = ok(client.get("/_mock/faults/fault-1"))
    assert (counters["matched"], counters["fired"], counters["exhausted"]) == (3, 2, True)
    # a faulted request changed nothing: only the third record exists
    search = ok(client.post(f"{AGENT_DATA}/:search", json={"deployment_name": "d", "include_total": True}))
    assert search["total_size"] == 1


def test_nth_and_every(client):
    add_fault(client, method="get", path="/api/v1/beta/agent-data/*", nth=2, status=500, body={"error": "boom"})
    add_fault(client, path="*/:search", every=3, status=429, headers={"Retry-After": "0"})
    gets = [client.get(f"{AGENT_DATA}/x{i}") for i in range(4)]
    assert [r.status_code for r in gets] == [404, 500, 404, 404]  # only the 2nd
    assert gets[1].json() == {"error": "boom"}
    searches = [client.post(f"{AGENT_DATA}/:search", json={"deployment_name": "d"}).status_code for _ in range(7)]
    assert searches == [200, 200, 429, 200, 200, 429, 200]
    assert create(client).status_code == 200  # matched by neither


def test_a_seeded_probability_repeats_itself(make_client):
    def run() -> list[int]:
        client = make_client()
        add_fault(client, path="/api/*", probability=0.5, seed=11, status=503)
        return [client.get(f"{AGENT_DATA}/x").status_code for _ in range(20)]

    first = run()
    assert first == run()  # same seed, same draws
    assert first.count(503) == 7 and first.count(404) == 13


def test_latency_alone_delays_then_goes_on(client):
    add_fault(client, operation="get_agent_data", latency=0.2)
    started = time.perf_counter()
    response = client.get(f"{AGENT_DATA}/missing")
    assert time.perf_counter() - started >= 0.2
    assert response.status_code == 404  # answered by the API as usual
    entry = ok(client.get("/_mock/requests"))["items"][0]
    assert entry["fault"] == "fault-1" and entry["status"] == 404 and entry["duration_ms"] >= 200


def test_faults_act_before_authentication(client):
    add_fault(client, path="/api/*", status=503, times=1)
    assert client.get(f"{AGENT_DATA}/x", headers={"Authorization": ""}).status_code == 503  # a gateway's answer
    assert client.get(f"{AGENT_DATA}/x", headers={"Authorization": ""}).status_code == 401


def test_the_admin_api_is_never_faulted_nor_journaled(client):
    add_fault(client, path="*", status=500)
    assert client.get("/_mock/faults").status_code == 200
    assert client.get(f"{AGENT_DATA}/x").status_code == 500
    journal = ok(client.get("/_mock/requests"))
    assert [e["path"] for e in journal["items"]] == [f"{AGENT_DATA}/x"]


def test_rules_are_listed_removed_and_cleared(client):
    first = add_fault(client, path="/a", status=500)
    add_fault(client, path="/b", status=500)
    assert [r["id"] for r in ok(client.get("/_mock/faults"))["items"]] == [first["id"], "fault-2"]
    assert ok(client.delete(f"/_mock/faults/{first['id']}")) == {"deleted": 1}
    assert client.get(f"/_mock/faults/{first['id']}").json() == {"detail": "Fault rule 'fault-1' not found"}
    assert ok(client.delete("/_mock/faults")) == {"deleted": 1}
    assert add_fault(client, path="/c", status=500)["id"] == "fault-1"  # numbering starts again


@pytest.mark.parametrize(
    ("rule", "loc"),
    [
        ({"path": "/x"}, ["body"]),  # no action
        ({"nth": 1, "every": 2, "status": 500}, ["body", "every"]),
        ({"status": 500, "drop": True}, ["body", "drop"]),
        ({"seed": 1, "status": 500}, ["body", "seed"]),
        ({"operation": "get_nothing", "status": 500}, ["body", "operation"]),
        ({"status": 99}, ["body", "status"]),
        ({"probability": 1.5, "status": 500}, ["body", "probability"]),
        ({"nth": 0, "status": 500}, ["body", "nth"]),
        ({"status": "500"}, ["body", "status"]),
        ({"colour": "red", "status": 500}, ["body", "colour"]),
    ],
)
def test_invalid_rules_are_422(client, rule, loc):
    refused = client.post("/_mock/faults", json=rule)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == loc


def test_a_dropped_connection_in_process_is_a_protocol_error():
    with in_process() as mock, mock.http_client() as http:
        mock.admin.add_fault(operation="get_agent_data", drop=True, times=1)
        with pytest.raises(httpx.RemoteProtocolError, match="Server disconnected without sending a response"):
            http.get(f"{AGENT_DATA}/x")
        assert http.get(f"{AGENT_DATA}/x").status_code == 404
        dropped = mock.admin.requests()[0]
        assert (dropped["status"], dropped["fault"]) == (None, "fault-1")


@pytest.mark.anyio
async def test_a_dropped_connection_in_process_async():
    with in_process() as mock:
        mock.admin.add_fault(method="POST", drop=True, nth=1)
        async with mock.async_http_client() as http:
            with pytest.raises(httpx.RemoteProtocolError):
                await http.post(AGENT_DATA, json={"data": {}, "deployment_name": "d"})
            assert (await http.post(AGENT_DATA, json={"data": {}, "deployment_name": "d"})).status_code == 200


def test_a_dropped_connection_over_a_socket():
    with run_server() as mock, mock.http_client() as http:
        mock.admin.add_fault(operation="get_agent_data", drop=True, times=1)
        with pytest.raises(httpx.RemoteProtocolError, match="Server disconnected without sending a response"):
            http.get(f"{AGENT_DATA}/x")
        assert http.get(f"{AGENT_DATA}/x").status_code == 404  # a new connection, served
        assert [e["status"] for e in mock.admin.requests()] == [None, 404]


# ------------------------------------------------------------------ the journal
def test_the_journal_records_method_path_query_headers_body_and_status(client):
    create(client, name="ann", age=30)
    client.get(f"{AGENT_DATA}/nope", params={"project_id": "p1"})
    client.post("/api/v1/files", files={"upload_file": ("a.txt", b"hello")})
    page = ok(client.get("/_mock/requests"))
    assert (page["total"], page["received"], page["size"]) == (3, 3, 1000)
    created, missing, upload = page["items"]
    assert created["seq"] == 1 and created["method"] == "POST" and created["path"] == AGENT_DATA
    assert created["operation"] == "create_agent_data" and created["status"] == 200
    assert created["body"] == {"data": {"name": "ann", "age": 30}, "deployment_name": "d"}
    assert created["headers"]["authorization"] == "Bearer test-key"
    assert created["headers"]["content-type"] == "application/json"
    assert (missing["operation"], missing["query"], missing["status"], missing["body"]) == (
        "get_agent_data",
        "project_id=p1",
        404,
        None,
    )
    assert upload["operation"] == "upload_file" and "hello" in upload["body"]  # multipart, as text
    assert created["received_at"] <= missing["received_at"] <= upload["received_at"]


def test_the_journal_is_queried_by_method_path_operation_status_and_body(client):
    create(client, name="ann", tags=["a"])
    create(client, name="bob", tags=["b"])
    client.get(f"{AGENT_DATA}/x")
    client.post(f"{AGENT_DATA}/:search", json={"deployment_name": "d", "filter": {"name": {"eq": "ann"}}})

    def paths(**query) -> list[str]:
        return [e["path"] for e in ok(client.get("/_mock/requests", params=query))["items"]]

    def names(**query) -> list:
        found = ok(client.post("/_mock/requests/find", json=query))["items"]
        return [e["body"]["data"]["name"] for e in found]

    assert paths(method="get") == [f"{AGENT_DATA}/x"]
    assert paths(path="*/:search") == [f"{AGENT_DATA}/:search"]
    assert paths(operation="create_agent_data", status=200) == [AGENT_DATA, AGENT_DATA]
    assert paths(status=404) == [f"{AGENT_DATA}/x"]
    assert paths(body_contains='"ann"') == [AGENT_DATA, f"{AGENT_DATA}/:search"]
    assert names(body={"data": {"name": "bob"}}) == ["bob"]
    assert names(body={"data": {"tags": ["a"]}}) == ["ann"]
    assert names(body={"deployment_name": "d"}, operation="create_agent_data", limit=1) == ["bob"]
    page = ok(client.post("/_mock/requests/find", json={"method": "POST", "limit": 1}))
    assert page["total"] == 3 and len(page["items"]) == 1  # total counts before the limit
    assert ok(client.delete("/_mock/requests")) == {"deleted": 4}
    assert ok(client.get("/_mock/requests"))["items"] == []


def test_the_journal_is_a_capped_ring_buffer(make_client):
    client = make_client(journal_size=3)
    for i in range(5):
        client.get(f"{AGENT_DATA}/x{i}")
    page = ok(client.get("/_mock/requests"))
    assert [e["path"] for e in page["items"]] == [f"{AGENT_DATA}/x2", f"{AGENT_DATA}/x3", f"{AGENT_DATA}/x4"]
    assert [e["seq"] for e in page["items"]] == [3, 4, 5]
    assert (page["total"], page["received"], page["size"]) == (3, 5, 3)


def test_large_bodies_are_recorded_in_part(client):
    big = "x" * (MAX_BODY_BYTES + 100)
    assert create(client, blob=big).status_code == 200
    entry = ok(client.get("/_mock/requests"))["items"][0]
    assert entry["body_truncated"] is True and entry["body_size"] == len(big) + 42
    assert isinstance(entry["body"], str) and len(entry["body"]) == MAX_BODY_BYTES


def test_the_journal_records_the_response_headers_and_body(client):
    created = create(client, name="ann")
    missing = client.get(f"{AGENT_DATA}/nope")
    rule = add_fault(client, operation="create_agent_data", status=503, body={"detail": "down"}, times=1)
    faulted = create(client, name="bob")
    entries = ok(client.get("/_mock/requests"))["items"]
    assert [e["status"] for e in entries] == [200, 404, 503]
    first, second, third = entries
    assert first["response_body"] == created.json() and first["response_body_size"] == len(created.content)
    assert first["response_headers"]["content-type"] == "application/json"
    assert first["response_headers"]["llamacloud-mock-version"] == created.headers["llamacloud-mock-version"]
    assert (first["response_body_truncated"], first["response_streamed"]) == (False, False)
    assert second["response_body"] == missing.json() == {"detail": "Agent data 'nope' not found"}
    assert (third["fault"], third["response_body"], faulted.status_code) == (rule["id"], {"detail": "down"}, 503)
    assert third["duration_ms"] is not None  # a request a fault answered is finished too


def test_large_responses_are_recorded_in_part(client):
    big = "y" * (MAX_BODY_BYTES + 100)
    created = create(client, blob=big)
    entry = ok(client.get("/_mock/requests"))["items"][0]
    assert entry["response_body_truncated"] is True and entry["response_body_size"] == len(created.content)
    assert entry["response_body"] == created.text[:MAX_BODY_BYTES]  # cut, so shown as text


def test_no_journal(make_client):
    client = make_client(journal_size=0)
    create(client)
    assert ok(client.get("/_mock/requests")) == {"items": [], "total": 0, "received": 0, "size": 0}
