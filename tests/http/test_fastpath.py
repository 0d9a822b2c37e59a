"""The fast path (mockserver/fastpath.py) changes how fast a request is answered, never the answer.

Two fakes, one with the fast path and one serving everything through connexion, get the same
requests in the same order (same id seed, same virtual clock) and must answer the same status,
headers and bytes: hand-written requests at the edges of what the fast path accepts, then
requests Schemathesis generates from every API's spec (valid and invalid alike; not the admin
API's, whose snapshots and clocks tell wall time).
"""

from __future__ import annotations

import os
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver import registry
from mockserver.api.agent_data import AgentDataApi
from mockserver.fastpath import FastPathMiddleware
from tests.support import AUTH

ITEMS = "/api/v1/beta/agent-data"
CLOCK = {"now": "2031-01-01T00:00:00Z"}
VOLATILE_HEADERS = {"date", "server"}
# each file's content URLs are signed with a key of its own, drawn at random (not from --id-seed)
SIGNATURE = re.compile(rb"(/files-content/[^/\s\"]+/\d+\.)[0-9a-f]+")


@pytest.fixture
def twins(make_client):
    """(fast, connexion-only) clients of two fakes in the same state."""
    pair = [make_client(fast_path=fast, id_seed=11, virtual_clock=True) for fast in (True, False)]
    for client in pair:
        assert client.post("/_mock/clock/set", json=CLOCK).status_code == 200
    return pair


def same_answer(twins, method: str, url: str, **kwargs) -> tuple[int, bytes]:
    fast, slow = (client.request(method, url, **kwargs) for client in twins)
    fast_body, slow_body = (SIGNATURE.sub(rb"\1<signature>", r.content) for r in (fast, slow))
    assert (fast.status_code, fast_body) == (slow.status_code, slow_body), f"{method} {url} {kwargs}"
    headers = [{k: v for k, v in r.headers.items() if k not in VOLATILE_HEADERS} for r in (fast, slow)]
    assert headers[0] == headers[1], f"{method} {url}"
    return fast.status_code, fast.content


def fast_path_of(client) -> FastPathMiddleware:
    stack = client.app.middleware.middleware_stack
    return next(app for app in stack if isinstance(app, FastPathMiddleware))


def test_valid_requests_are_served_by_the_fast_path(twins):
    status, _ = same_answer(twins, "POST", ITEMS, json={"deployment_name": "d", "data": {"n": 1}})
    assert status == 200
    router = fast_path_of(twins[0])
    served = {
        ("POST", ITEMS): "create_agent_data",
        ("GET", f"{ITEMS}/some-id"): "get_agent_data",
        ("PUT", f"{ITEMS}/some-id"): "update_agent_data",
        ("POST", f"{ITEMS}/:search"): "search_agent_data",
        ("POST", f"{ITEMS}/:aggregate"): "aggregate_agent_data",
        ("POST", f"{ITEMS}/:delete"): "delete_agent_data_by_query",
        ("GET", "/api/v1/extraction/jobs/job-1"): "get_job",
        ("POST", "/api/v1/extraction/jobs"): "run_job",
    }
    assert {key: router.route(*key)[0].operation_id for key in served} == served
    # connexion's: a multipart upload, a method the path does not have, a path nothing serves,
    # an array query parameter, a path with an empty id
    for method, path in [
        ("POST", "/api/v1/files"),
        ("PATCH", f"{ITEMS}/some-id"),
        ("GET", "/api/v1/nothing"),
        ("GET", "/api/v1/beta/files/f-1"),
        ("GET", f"{ITEMS}/"),
    ]:
        assert router.route(method, path) is None, (method, path)
    # routes are remembered for the specs' paths without parameters only: a bounded few
    remembered = dict(router._static)
    static = {key for key in served if "some-id" not in key[1] and "job-1" not in key[1]}
    assert static <= set(remembered) and all(params == {} for _, params in remembered.values())
    for i in range(200):
        router.route("GET", f"{ITEMS}/id-{i}")
        router.route("GET", f"/api/v1/nothing-{i}")
    assert router._static == remembered
    assert router.route("POST", ITEMS) is remembered[("POST", ITEMS)]


def test_edge_requests_get_the_same_answers(twins):
    _, body = same_answer(twins, "POST", ITEMS, json={"deployment_name": "d", "data": {"n": 1, "tag": "x"}})
    item = f"{ITEMS}/{__import__('json').loads(body)['id']}"
    json_headers = {"Content-Type": "application/json"}
    cases = [
        ("GET", item, {}),
        ("GET", f"{item}?project_id=null", {}),  # connexion reads "null" of a nullable parameter as None
        ("GET", f"{item}?project_id=other&project_id=", {}),  # the last of repeated values wins
        ("GET", item, {"headers": {"Project-Id": "other"}}),
        ("GET", f"{ITEMS}/missing%20id", {}),
        ("HEAD", item, {}),
        ("DELETE", f"{ITEMS}/", {}),
        ("PUT", item, {"json": {"data": {"n": 2}}}),
        ("PUT", item, {"json": {"data": "not an object"}}),
        ("PUT", item, {"content": b"{not json", "headers": json_headers}),
        ("PUT", item, {"content": b"", "headers": json_headers}),
        ("PUT", item, {"content": b"null", "headers": json_headers}),
        ("PUT", item, {"content": b'{"data": {"n": NaN}}', "headers": json_headers}),
        ("PUT", item, {"content": b'{"data": {}}', "headers": {"Content-Type": "text/plain"}}),
        ("PUT", item, {"content": b'{"data": {}}', "headers": {"Content-Type": "application/json; charset=utf-8"}}),
        ("POST", f"{ITEMS}/:search", {"json": {"deployment_name": "d", "filter": {"n": {"gte": 2}}}}),
        ("POST", f"{ITEMS}/:search", {"json": {"deployment_name": "d", "filter": {"n": {"near": 2}}}}),
        ("POST", f"{ITEMS}/:search", {"json": {"deployment_name": "d", "include_total": 0}}),
        ("POST", f"{ITEMS}/:aggregate", {"json": {"deployment_name": "d", "group_by": ["tag"], "count": True}}),
        ("POST", f"{ITEMS}/:delete", {"json": {"deployment_name": "d", "filter": {"tag": {"eq": "y"}}}}),
        ("DELETE", item, {}),
        ("GET", item, {}),
        ("GET", "/api/v1/extraction/jobs/nope", {}),
        ("POST", "/api/v1/extraction/jobs", {"json": {"extraction_agent_id": "a", "file_id": "f"}}),
        ("GET", item, {"headers": {"Authorization": ""}}),
    ]
    statuses = [same_answer(twins, method, url, **kwargs)[0] for method, url, kwargs in cases]
    assert statuses[0] == 200 and statuses[-1] == 401 and 422 in statuses and 404 in statuses


@pytest.mark.parametrize(
    ("spec", "profile"),
    [
        ("agent_data.yaml", "default"),
        ("extraction_v1.yaml", "default"),
        ("extract_v2.yaml", "default"),
        ("beta_files.yaml", "default"),
        ("projects.yaml", "default"),
        ("derived/seed-3.0.yaml", "seed"),
    ],
)
def test_generated_requests_get_the_same_answers(make_client, spec, profile):
    schema = schemathesis.openapi.from_dict(registry.by_spec(spec).document())
    operations = [result.ok() for result in schema.get_all_operations()]
    cases = st.one_of([operation.as_strategy() for operation in operations])
    pair = [make_client(fast_path=fast, id_seed=5, virtual_clock=True, profile=profile) for fast in (True, False)]
    for client in pair:
        client.post("/_mock/clock/set", json=CLOCK)

    examples = int(os.environ.get("FASTPATH_EXAMPLES", 150))

    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=cases)
    def check(case):
        kwargs = case.as_transport_kwargs(base_url="http://testserver")
        kwargs["headers"] = {**kwargs.get("headers", {}), **AUTH}
        kwargs.pop("cookies", None)
        same_answer(pair, kwargs.pop("method"), kwargs.pop("url"), **kwargs)

    check()


def test_responses_that_break_the_spec_are_caught_on_both_paths(make_client, monkeypatch):
    async def wrong_answer(self, **_):
        return {"id": 7, "data": "not an object"}

    monkeypatch.setattr(AgentDataApi, "get_agent_data", wrong_answer)
    for fast in (True, False):
        response = make_client(fast_path=fast).get(f"{ITEMS}/any")
        assert response.status_code == 500, fast
        detail = response.json()["detail"]
        assert detail.startswith("Response body does not conform to specification."), fast
        assert detail.endswith("is a required property"), detail  # what is wrong (the first problem found)
    # and where: a record whose data is a string, the spec says object
    whole = {"id": "r", "deployment_name": "d", "collection": "c", "project_id": "p", "data": "no"}
    whole |= {"created_at": "2024-01-01T00:00:00.000000Z", "updated_at": "2024-01-01T00:00:00.000000Z"}

    async def wrong_data(self, **_):
        return whole

    monkeypatch.setattr(AgentDataApi, "get_agent_data", wrong_data)
    for fast in (True, False):
        detail = make_client(fast_path=fast).get(f"{ITEMS}/any").json()["detail"]
        assert "is not of type" in detail and "object" in detail and detail.endswith("- 'data'"), detail
    monkeypatch.setattr(AgentDataApi, "get_agent_data", wrong_answer)
    unchecked = make_client(validate_responses=False).get(f"{ITEMS}/any")
    assert (unchecked.status_code, unchecked.json()) == (200, {"id": 7, "data": "not an object"})
