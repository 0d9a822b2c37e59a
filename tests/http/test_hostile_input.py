"""Hostile input, over every operation of every spec and profile: never a 500, never a hang, and a
refused request changes nothing that is stored.

The contract harness (``make contract``) already sends Schemathesis' generated requests, valid and
invalid, to every operation and fails on any 500. This suite sends what Schemathesis does not
generate: bodies without or with the wrong content type, broken encodings, JSON nested past the
limit, bodies past the size limit, multipart bodies cut short, and tricks in the path. Each goes to
a real server over a socket (a hang fails the client's timeout), through both request paths (the
fast path and connexion's), and the fake's whole state (every table, every file's bytes, the id
sequence, the clock) is compared before and after every refused request.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from populated import WORKFLOWS_SCENARIO, populate

from mockserver import registry
from mockserver.admin.snapshot import snapshot
from mockserver.limits import DEFAULT_MAX_BODY_SIZE, DEFAULT_MAX_JSON_DEPTH, MAX_JSON_DEPTH, too_deep
from mockserver.testing import run_server

MAX_BODY_SIZE = 4096  # the servers of this suite: a small limit, so that going past it is cheap
TIMEOUT = 15  # seconds: a request still unanswered by then has hung


def _deep(levels: int) -> bytes:
    return b'{"data": ' + b"[" * (levels - 1) + b"]" * (levels - 1) + b"}"


MULTIPART_CUT = (
    b'--XYZ\r\nContent-Disposition: form-data; name="upload_file"; filename="a.txt"\r\n'
    b"Content-Type: text/plain\r\n\r\nhello"
)

# name -> (Content-Type, or None for none; body)
BODIES: dict[str, tuple[str | None, bytes]] = {
    "no content type, not JSON": (None, b"{not json"),
    "JSON as text/plain": ("text/plain", b'{"name": "x"}'),
    "form-urlencoded": ("application/x-www-form-urlencoded", b"name=x&data=1"),
    "XML": ("application/xml", b"<agent><name>x</name></agent>"),
    "JSON with an unknown charset": ("application/json; charset=no-such-charset", b'{"name": "x"}'),
    "multipart without a boundary": ("multipart/form-data", b"--XYZ\r\n"),
    "multipart cut short": ("multipart/form-data; boundary=XYZ", MULTIPART_CUT),
    "multipart that is not": ("multipart/form-data; boundary=XYZ", b"garbage"),
    "JSON cut short": ("application/json", b'{"name": ["x", '),
    "UTF-16 without a BOM, cut": ("application/json", '{"name": "x"'.encode("utf-16-le")),
    "invalid UTF-8": ("application/json", b'{"name": "\xff\xfe\xfd"}'),
    "a lone surrogate": ("application/json", b'{"name": "\\udc00"}'),
    "NaN": ("application/json", b'{"name": NaN}'),
    "a number past float": ("application/json", b'{"name": 1e400}'),
    "an integer past 64 bits": ("application/json", b'{"name": 123456789012345678901234567890}'),
    "null": ("application/json", b"null"),
    "an array": ("application/json", b"[1, 2]"),
    "a bare string": ("application/json", b'"x"'),
    "empty, typed as JSON": ("application/json", b""),
    "only whitespace": ("application/json", b"   \n"),
    "one level past the nesting limit": ("application/json", _deep(DEFAULT_MAX_JSON_DEPTH + 1)),
    "100,000 levels deep": ("application/json", _deep(100_000)),
    "100,000 levels deep, no content type": (None, _deep(100_000)),
    "past the size limit": ("application/json", b'{"name": "' + b"x" * MAX_BODY_SIZE + b'"}'),
}

PATH_TRICKS = {
    "dot segments": "..%2F..%2Fetc%2Fpasswd",
    "a NUL": "abc%00def",
    "invalid UTF-8": "%ff%fe",
    "an emoji": "%F0%9F%92%A9",
    "10,000 characters": "x" * 10_000,
    "an encoded slash": "a%2Fb",
    "spaces": "%20%20",
    "a quote and angle brackets": "%22%3Cscript%3E",
}


def every_operation(profile: str) -> list[tuple[str, str, str]]:
    """(operationId, method, path as served) of every operation the profile serves."""
    routes = registry.route_table(registry.profile(profile).apis)
    return [(route.operation_id, route.method, route.path) for route in routes]


def _fill(path: str, ids: dict[str, str], trick: str | None = None) -> str:
    """The path with each parameter naming an object that exists (or ``trick``)."""

    def value(match: re.Match) -> str:
        if trick is not None:
            return trick
        name = match.group(1)
        if path.startswith("/deployments/"):
            return {"deployment_name": "wfdemo", "name": "echo", "handler_id": ids.get("handler", "none")}[name]
        if name == "job_id":
            return ids.get("v2_job" if path.startswith("/api/v2") else "job", "none")
        if name == "file_id":
            return ids.get("beta_file" if path.startswith("/api/v1/beta") else "file", "none")
        source = {
            "item_id": "record",
            "extraction_agent_id": "agent",
            "agentId": "agent",
            "run_id": "run",
            "jobId": "seed_job",
        }.get(name)
        return ids.get(source, "none") if source else {"name": "invoices", "project_id": PROJECT}.get(name, "none")

    return re.sub(r"\{(\w+)\}", value, path)


PROJECT = "hostile-project"
WORLDS = [("default", True), ("default", False), ("seed", True)]


@pytest.fixture(scope="module", params=WORLDS, ids=lambda w: f"{w[0]}-{'fast-path' if w[1] else 'connexion'}")
def world(request):
    profile, fast_path = request.param
    args = ["--profile", profile, "--virtual-clock", "--max-body-size", str(MAX_BODY_SIZE)]
    if profile == "default":  # and the workflow server, with the example scenario
        args += ["--workflows", str(WORKFLOWS_SCENARIO)]
    if not fast_path:
        args.append("--no-fast-path")
    with run_server(args) as mock, mock.http_client(timeout=TIMEOUT) as client:
        ids = populate(client, profile, PROJECT)
        yield profile, mock, client, ids, snapshot(mock.state)


def _stored(mock) -> dict[str, Any]:
    state = snapshot(mock.state)
    del state["taken_at"]
    return state


def _send_and_check(world, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """Send; no 500 (no hang: the client's timeout); a refused request changed nothing stored.
    An accepted one (a hostile body some operation may take) is undone for the next case."""
    _, mock, client, _, initial = world
    before = _stored(mock)
    response = client.request(method, url, **kwargs)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert _stored(mock) == before, f"refused with {response.status_code}, yet the state changed"
        body = response.json()
        assert isinstance(body, dict) and "detail" in body, response.text  # the API's error shape
    else:
        client.delete("/_mock/faults")
        assert client.post("/_mock/restore", json=initial).status_code == 200
    return response


def _operations_of(world) -> list[tuple[str, str, str]]:
    return every_operation(world[0])


@pytest.mark.parametrize("variant", list(BODIES))
def test_a_hostile_body_to_every_operation(world, variant):
    content_type, body = BODIES[variant]
    headers = {} if content_type is None else {"Content-Type": content_type}
    statuses = {}
    for operation_id, method, path in _operations_of(world):
        response = _send_and_check(world, method, _fill(path, world[3]), content=body, headers=headers)
        statuses[operation_id] = response.status_code
    if variant == "one level past the nesting limit":
        assert set(statuses.values()) == {400}, statuses  # the door refuses before anything else
    if "levels deep" in variant:
        assert set(statuses.values()) <= {400, 413}, statuses  # too deep, or too large first
    if variant == "multipart cut short":  # FastAPI's 400, not a 422 for a missing file part
        uploads = {"upload_file", "upload_beta_file", "uploadFile"}
        assert {op: statuses[op] for op in uploads & set(statuses)} == dict.fromkeys(uploads & set(statuses), 400)
    if variant == "past the size limit":
        for operation_id, _, path in _operations_of(world):
            if path.startswith("/api/"):
                expected = 400 if world[0] == "seed" else 413  # the seed spec declares no 413
                assert statuses[operation_id] == expected, (operation_id, statuses[operation_id])


@pytest.mark.parametrize("trick", list(PATH_TRICKS))
def test_a_path_trick_in_every_parameter(world, trick):
    if world[0] == "default" and world[1].app.state.config.fast_path is False:
        pytest.skip("paths are routed alike on both request paths: the fast path's world covers it")
    for _, method, path in _operations_of(world):
        if "{" in path:
            _send_and_check(world, method, _fill(path, world[3], PATH_TRICKS[trick]))
    # and as the project, whether or not the operation declares it
    for _, method, path in _operations_of(world):
        _send_and_check(world, method, _fill(path, world[3]) + "?project_id=" + PATH_TRICKS[trick])


def test_the_journal_stays_readable(world):
    """Refused bodies never reach the journal: it reads back whole after all of the above."""
    _, _, client, _, _ = world
    for _ in range(2):
        client.post("/api/v1/beta/agent-data", content=_deep(100_000), headers={"Content-Type": "application/json"})
    assert client.get("/_mock/requests").status_code == 200
    assert client.post("/_mock/requests/find", json={}).status_code == 200


@pytest.mark.parametrize("limit", [DEFAULT_MAX_JSON_DEPTH, MAX_JSON_DEPTH])
def test_records_as_deep_as_the_limit_sort_and_group(limit):
    """A record nested to the limit (the default, and the highest --max-json-depth takes) is
    stored, then sorted and grouped on: without the limit, a RecursionError answered 500 from
    about 300 levels (orjson, which sorts and groups values, writes at most 255)."""
    with run_server(["--max-json-depth", str(limit)]) as mock, mock.http_client(timeout=TIMEOUT) as client:
        deepest = json.loads(_deep(limit - 1))["data"]  # + the body and its "data": the limit
        body = {"deployment_name": "deep", "data": {"a": deepest}}
        assert not too_deep(json.dumps(body).encode(), limit) and too_deep(json.dumps(body).encode(), limit - 1)
        for _ in range(2):
            assert client.post("/api/v1/beta/agent-data", json=body).status_code == 200
        found = client.post("/api/v1/beta/agent-data/:search", json={"deployment_name": "deep", "order_by": "data.a"})
        assert found.status_code == 200 and len(found.json()["items"]) == 2
        groups = client.post(
            "/api/v1/beta/agent-data/:aggregate", json={"deployment_name": "deep", "group_by": ["a"], "count": True}
        )
        assert groups.status_code == 200 and [g["count"] for g in groups.json()["items"]] == [2]
        assert client.get("/_mock/snapshot").status_code == 200
        deeper = {"deployment_name": "deep", "data": {"a": [deepest]}}
        assert client.post("/api/v1/beta/agent-data", json=deeper).status_code == 400


def test_the_default_size_limit_refuses_a_body_sent_in_chunks():
    """No Content-Length to go by: the door counts while reading, and stops at the limit."""

    def chunks():
        yield b'{"deployment_name": "big", "data": {"s": "'
        for _ in range(DEFAULT_MAX_BODY_SIZE // 65536 + 1):
            yield b"x" * 65536
        yield b'"}}'

    with run_server() as mock, mock.http_client(timeout=TIMEOUT) as client:
        response = client.post(
            "/api/v1/beta/agent-data", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 413
        assert f"{DEFAULT_MAX_BODY_SIZE:,} bytes (--max-body-size)" in response.json()["detail"]
        assert mock.state.agent_data.table.documents() == {}


def test_a_body_without_content_type_is_json_as_fastapi_reads_it(world):
    """``requests.post(url, data=json.dumps(...))`` sends no Content-Type."""
    profile, mock, client, _, _ = world
    if profile == "seed":
        return
    response = client.post("/api/v1/beta/agent-data", content=b'{"deployment_name": "plain", "data": {"n": 1}}')
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"n": 1}
    client.post("/_mock/restore", json=world[4])


@pytest.mark.parametrize(
    ("body", "deeper"),
    [
        (b"[]", False),
        (b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[["}', False),  # brackets in strings do not nest
        (b'{"a": "\\"[[[[[[[[[[[[[[[[[[[[[[[["}', False),  # nor after an escaped quote
        (b"[" * 10 + b"]" * 10, False),
        (b"[" * 11 + b"]" * 11, True),
        (b"[" + b"{}," * 100 + b"{}]", False),  # wide, not deep
        (b"[{" * 5 + b'"x":1' + b"}]" * 5 + b"[" * 3, False),  # unbalanced: the parser's to refuse
    ],
)
def test_too_deep(body, deeper):
    assert too_deep(body, 10) is deeper


def test_a_deleted_file_gives_its_memory_back():
    """In memory, each file's bytes are a memory map, closed when the file goes (as bytes objects,
    200 uploads of 1 MiB then deleted left the process 200 MB larger)."""
    from mockserver.domain.files import BlobStore

    blobs = BlobStore(None)
    blobs.put("a", b"x" * 1_000_000)
    blobs.put("b", b"")
    mapped = blobs._memory["a"]
    assert (blobs.get("a"), blobs.get("b")) == (b"x" * 1_000_000, b"")
    blobs.delete("a")
    assert mapped._map.closed
    blobs.keep_only(set())
    with pytest.raises(KeyError):
        blobs.get("b")
