"""The Agent Data API over HTTP: every operation, every error, in the real API's shapes."""

from __future__ import annotations

import pytest

from mockserver.config import DEFAULT_PROJECT_ID

BASE = "/api/v1/beta/agent-data"


def create(client, data, **extra):
    response = client.post(BASE, json={"data": data, "deployment_name": "dep", **extra})
    assert response.status_code == 200, response.text
    return response.json()


def test_create_get_update_delete(client):
    record = create(client, {"name": "ann"})
    assert record["collection"] == "default" and record["deployment_name"] == "dep"
    assert set(record) == {"id", "project_id", "deployment_name", "collection", "data", "created_at", "updated_at"}

    got = client.get(f"{BASE}/{record['id']}")
    assert got.status_code == 200 and got.json() == record

    updated = client.put(f"{BASE}/{record['id']}", json={"data": {"name": "bob"}})
    assert updated.status_code == 200
    assert updated.json()["data"] == {"name": "bob"} and updated.json()["created_at"] == record["created_at"]

    deleted = client.delete(f"{BASE}/{record['id']}")
    assert deleted.status_code == 200 and deleted.json() == {}  # a JSON body: the 0.1.x SDK parses it
    missing = client.get(f"{BASE}/{record['id']}")
    assert missing.status_code == 404
    assert missing.json() == {"detail": f"Agent data '{record['id']}' not found"}


def test_explicit_nulls_are_accepted(client):
    """llama-cloud-services sends every unset optional field as null."""
    record = create(client, {"a": 1}, collection=None)
    assert record["collection"] == "default"
    body = {
        "deployment_name": "dep",
        "collection": None,
        "filter": None,
        "include_total": False,
        "offset": None,
        "order_by": None,
        "page_size": None,
    }
    page = client.post(f"{BASE}/:search", json=body)
    assert page.status_code == 200 and [i["id"] for i in page.json()["items"]] == [record["id"]]
    aggregate = client.post(
        f"{BASE}/:aggregate",
        json={
            "deployment_name": "dep",
            "collection": None,
            "count": None,
            "filter": None,
            "first": None,
            "group_by": None,
            "offset": None,
            "order_by": None,
            "page_size": None,
        },
    )
    assert aggregate.status_code == 200 and aggregate.json()["items"] == [{"group_key": {}}]


def test_null_filter_fields_and_null_list_items_are_accepted(client):
    """The 0.1.x SDK's filter type allows a null per field; the 2.x SDK's allows nulls in lists."""
    record = create(client, {"tags": ["a"]})
    body = {"deployment_name": "dep", "filter": {"name": None, "tags": {"includes": [None, "a"], "excludes": [None]}}}
    page = client.post(f"{BASE}/:search", json=body)
    assert page.status_code == 200, page.text
    assert [i["id"] for i in page.json()["items"]] == [record["id"]]


def test_the_requests_of_the_workflow_servers_store(client):
    """What llama-agents-server 0.8.0's Agent Data store sends (docs/agent-data.md), as it sends it:
    an empty project_id on every request, bare sort names, eq/ne null, includes over many ids."""

    def call(method, path, body=None):
        response = client.request(method, f"{BASE}{path}?project_id=", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    def add(collection, data):
        return call("POST", "", {"deployment_name": "app", "collection": collection, "data": data})

    def search(collection, filter_, **extra):
        body = {"deployment_name": "app", "collection": collection, "page_size": 100, "filter": filter_, **extra}
        return call("POST", "/:search", body)["items"]

    def handler_ids(filter_):
        return sorted(item["data"]["handler_id"] for item in search("wf", filter_))

    for sequence in (1, 0, 3, 2):  # fire-and-forget creates land out of order
        add("wf_events", {"run_id": "r", "sequence": sequence})
    last = search("wf_events", {"run_id": {"eq": "r"}}, page_size=1, order_by="sequence desc")
    assert [item["data"]["sequence"] for item in last] == [3]
    after = search("wf_events", {"run_id": {"eq": "r"}, "sequence": {"gte": 1}}, order_by="sequence")
    assert [item["data"]["sequence"] for item in after] == [1, 2, 3]

    root = add("wf_state", {"run_id": "r", "data": "{}"})  # the root state record has no namespace
    child = add("wf_state", {"run_id": "r", "namespace": "child", "data": "{}"})
    assert search("wf_state", {"run_id": {"eq": "r"}, "namespace": {"eq": None}}) == [root]
    assert search("wf_state", {"run_id": {"eq": "r"}, "namespace": {"gt": ""}}, order_by="namespace") == [child]

    ids = [f"h{i}" for i in range(300)]
    for handler_id, idle_since in (("h0", None), ("h1", "2026-01-01T00:00:00Z"), ("h2", None)):
        add(
            "wf",
            {"handler_id": handler_id, "run_id": f"run-{handler_id}", "status": "running", "idle_since": idle_since},
        )
    running = {"handler_id": {"includes": ids}, "status": {"includes": ["running"]}}
    assert handler_ids({**running, "idle_since": {"eq": None}}) == ["h0", "h2"]
    assert handler_ids({**running, "idle_since": {"ne": None}}) == ["h1"]
    [h2] = search("wf", {"handler_id": {"eq": "h2"}}, order_by="created_at desc")
    call("PUT", f"/{h2['id']}", {"data": {**h2["data"], "status": "cancelled"}})
    assert handler_ids({"status": {"includes": ["cancelled"]}}) == ["h2"]
    purge = {"deployment_name": "app", "collection": "wf", "filter": {"handler_id": {"includes": ["h2"]}}}
    assert call("POST", "/:delete", purge) == {"deleted_count": 1}
    assert handler_ids({"run_id": {"includes": [f"run-{i}" for i in ids]}}) == ["h0", "h1"]
    # project_id= names no project: the records are the default project's
    assert {item["project_id"] for item in search("wf", None)} == {DEFAULT_PROJECT_ID}


def test_search_aggregate_delete_by_query(client):
    for name, age in [("ann", 30), ("bob", 17), ("cid", 65)]:
        create(client, {"name": name, "age": age}, collection="people")
    page = client.post(
        f"{BASE}/:search",
        json={
            "deployment_name": "dep",
            "collection": "people",
            "filter": {"age": {"gte": 18}},
            "order_by": "data.age desc",
            "include_total": True,
        },
    ).json()
    assert [i["data"]["name"] for i in page["items"]] == ["cid", "ann"]
    assert page["total_size"] == 2 and page["next_page_token"] is None

    groups = client.post(
        f"{BASE}/:aggregate",
        json={
            "deployment_name": "dep",
            "collection": "people",
            "group_by": ["age"],
            "count": True,
            "order_by": "data.age desc",
            "page_size": 2,
        },
    ).json()
    assert [g["group_key"]["age"] for g in groups["items"]] == [65, 30] and groups["next_page_token"]

    deleted = client.post(
        f"{BASE}/:delete", json={"deployment_name": "dep", "collection": "people", "filter": {"age": {"lt": 18}}}
    )
    assert deleted.status_code == 200 and deleted.json() == {"deleted_count": 1}


def test_colon_routes_win_over_item_id(client):
    """`:search` is a literal segment, not an id; GET on it is a lookup of an id that does not exist."""
    assert client.post(f"{BASE}/:search", json={"deployment_name": "dep"}).status_code == 200
    assert client.get(f"{BASE}/:search").status_code == 404


def test_project_scoping_by_query_and_header(client):
    record = create(client, {"a": 1})  # no project named: the default project
    in_a = client.post(f"{BASE}?project_id=proj-a", json={"data": {"a": 2}, "deployment_name": "dep"}).json()
    assert in_a["project_id"] == "proj-a" and record["project_id"] != "proj-a"
    assert client.get(f"{BASE}/{in_a['id']}", headers={"Project-Id": "proj-a"}).status_code == 200
    assert client.get(f"{BASE}/{in_a['id']}", headers={"Project-Id": "proj-b"}).status_code == 404
    # the query parameter wins over the header
    assert client.get(f"{BASE}/{in_a['id']}?project_id=proj-a", headers={"Project-Id": "proj-b"}).status_code == 200
    listed = client.post(f"{BASE}/:search", json={"deployment_name": "dep"}, headers={"Project-Id": "proj-a"}).json()
    assert [i["id"] for i in listed["items"]] == [in_a["id"]]


@pytest.mark.parametrize(
    ("path", "body", "loc", "type_"),
    [
        (BASE, {"deployment_name": "dep"}, ["body", "data"], "missing"),
        (BASE, {"data": [], "deployment_name": "dep"}, ["body", "data"], "dict_type"),
        (BASE, {"data": {}, "deployment_name": ""}, ["body", "deployment_name"], "string_too_short"),
        (f"{BASE}/:search", {}, ["body", "deployment_name"], "missing"),
        (
            f"{BASE}/:search",
            {"deployment_name": "d", "filter": {"a": {"like": 1}}},
            ["body", "filter", "a", "like"],
            "extra_forbidden",
        ),
        (
            f"{BASE}/:search",
            {"deployment_name": "d", "filter": {"a": {"eq": {"x": 1}}}},
            ["body", "filter", "a", "eq", "int"],
            "int_type",
        ),
        (
            f"{BASE}/:search",
            {"deployment_name": "d", "filter": {"a": {"includes": "x"}}},
            ["body", "filter", "a", "includes"],
            "list_type",
        ),
        (f"{BASE}/:search", {"deployment_name": "d", "offset": -1}, ["body", "offset"], "greater_than_equal"),
        (f"{BASE}/:search", {"deployment_name": "d", "page_size": 0}, ["body", "page_size"], "greater_than_equal"),
        (f"{BASE}/:search", {"deployment_name": "d", "order_by": "name up"}, ["body", "order_by"], "value_error"),
        (f"{BASE}/:search", {"deployment_name": "d", "page_token": "zzz"}, ["body", "page_token"], "value_error"),
        (
            f"{BASE}/:search",
            {"deployment_name": "d", "filter": {"created_at": {"gt": 5}}},
            ["body", "filter", "created_at", "gt"],
            "datetime_parsing",
        ),
        (f"{BASE}/:aggregate", {"deployment_name": "d", "group_by": "status"}, ["body", "group_by"], "list_type"),
        (
            f"{BASE}/:aggregate",
            {"deployment_name": "d", "group_by": ["a"], "order_by": "data.b"},
            ["body", "order_by"],
            "value_error",
        ),
        (
            f"{BASE}/:delete",
            {"deployment_name": "d", "filter": {"a": {"eq": 1, "near": 2}}},
            ["body", "filter", "a", "near"],
            "extra_forbidden",
        ),
    ],
)
def test_validation_errors_have_fastapi_shape(client, path, body, loc, type_):
    response = client.post(path, json=body)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert any(e["loc"] == loc and e["type"] == type_ and e["msg"] for e in detail), detail


def test_malformed_json_and_missing_body(client):
    response = client.post(BASE, content=b'{"data": ', headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"
    response = client.post(f"{BASE}/:search", headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"] == [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}]


def test_rejected_writes_change_nothing(client):
    create(client, {"a": 1}, collection="safe")
    assert (
        client.post(
            f"{BASE}/:delete",
            json={"deployment_name": "dep", "collection": "safe", "filter": {"created_at": {"lt": "never"}}},
        ).status_code
        == 422
    )
    assert client.post(BASE, json={"data": "x", "deployment_name": "dep", "collection": "safe"}).status_code == 422
    page = client.post(f"{BASE}/:search", json={"deployment_name": "dep", "collection": "safe", "include_total": True})
    assert page.json()["total_size"] == 1


def test_authentication(make_client):
    client = make_client(api_keys=("right",))
    body = {"data": {}, "deployment_name": "dep"}
    missing = client.post(BASE, json=body, headers={"Authorization": ""})
    assert missing.status_code == 401 and "Authorization: Bearer" in missing.json()["detail"]
    wrong = client.post(BASE, json=body, headers={"Authorization": "Bearer wrong"})
    assert wrong.status_code == 401 and "--api-key" in wrong.json()["detail"]
    assert wrong.headers["www-authenticate"] == "Bearer"
    assert client.post(BASE, json=body, headers={"Authorization": "Bearer right"}).status_code == 200


def test_any_key_is_accepted_by_default_but_not_an_empty_one(client):
    assert client.get(f"{BASE}/x", headers={"Authorization": "Bearer whatever"}).status_code == 404
    assert client.get(f"{BASE}/x", headers={"Authorization": "Bearer "}).status_code == 401


def test_unknown_paths_and_methods(client):
    assert client.get("/api/v1/nothing-here").json() == {"detail": "Not Found"}
    response = client.patch(f"{BASE}/x", json={})
    assert response.status_code == 405 and response.json() == {"detail": "Method Not Allowed"}
