"""The workflow server fake over a real socket (uvicorn in a thread), read with httpx: codes, bodies,
the SSE framing, event order, and the clock-driven runs of examples/workflows/wfdemo.yaml.

Most tests use a server on a frozen virtual clock, so a run moves only when the test advances it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import httpx
import pytest

from mockserver.testing import run_server
from tests.support import ROOT

WFDEMO = ROOT / "examples" / "workflows" / "wfdemo.yaml"
EXTRA = """
deployment: extra
workflows:
  slow:
    timeout: 5
    steps:
      - ask: AskEvent
        data: {q: "${start.q}"}
        expect: AnswerEvent
        expect_schema: {type: object, properties: {n: {type: integer}}, required: [n]}
      - stop: {result: {n: "${answer.n}", again: "${answers.AnswerEvent.n}", id: "${handler_id}"}}
  early:
    steps:
      - emit: Tick
        after: 1
      - ask: AskEvent
        expect: AnswerEvent
      - stop: {result: "${answer.ok}"}
"""


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory):
    extra = tmp_path_factory.mktemp("scenarios") / "extra.yaml"
    extra.write_text(EXTRA)
    return [str(WFDEMO), str(extra)]


@pytest.fixture(scope="module")
def mock(scenarios):
    args = ["--virtual-clock", "--sse-heartbeat", "0.05"]
    for path in scenarios:
        args += ["--workflows", path]
    with run_server(args) as mock:
        yield mock


@pytest.fixture(scope="module")
def wall(scenarios):
    """A server on wall time: sync runs that wait for `after` steps."""
    with run_server(["--workflows", scenarios[0]]) as mock:
        yield mock


@pytest.fixture
def http(mock):
    mock.reset()
    with httpx.Client(base_url=f"{mock.url}/deployments/wfdemo", timeout=10) as client:
        yield client


def frames(response: httpx.Response, count: int | None = None) -> list[tuple[int | None, dict]]:
    """SSE frames (id, envelope) read from a streaming response: ``count`` of them, or up to its end
    (comments, such as heartbeats, skipped). The response's line iterator is kept across calls."""
    if not hasattr(response, "lines"):
        response.lines = response.iter_lines()
    out: list[tuple[int | None, dict]] = []
    frame_id = None
    for line in response.lines:
        if line.startswith("id: "):
            frame_id = int(line[4:])
        elif line.startswith("data: "):
            out.append((frame_id, json.loads(line[6:])))
            frame_id = None
            if count is not None and len(out) == count:
                break
    return out


def start(http: httpx.Client, workflow: str, body: dict | None = None) -> dict:
    response = http.post(f"/workflows/{workflow}/run-nowait", json=body or {})
    assert response.status_code == 200, response.text
    return response.json()


# ------------------------------------------------------------------------------ workflows
def test_workflows_are_listed_in_file_order_with_their_schemas(http):
    assert http.get("/workflows").json() == {"workflows": ["hitl", "echo", "boom", "slow"]}
    schema = http.get("/workflows/hitl/schema").json()
    assert schema["start"] == {
        "title": "StartEvent",
        "type": "object",
        "properties": {"name": {"type": "string"}},
        "required": ["name"],
    }
    assert schema["stop"]["title"] == "StopEvent"
    events = http.get("/workflows/hitl/events").json()["events"]
    assert [e["title"] for e in events] == ["AnswerEvent", "AskEvent", "StopEvent", "StartEvent"]
    graph = http.get("/workflows/hitl/representation").json()["graph"]
    assert graph["name"] == "hitl"
    assert {n["id"] for n in graph["nodes"]} >= {"start", "step_2", "AskEvent", "AnswerEvent", "external_step"}
    assert {"source": "AskEvent", "target": "external_step", "label": None} in graph["edges"]


def test_unknown_workflow_deployment_and_handler_are_404_in_the_real_words(http, mock):
    assert http.get("/workflows/nope/schema").json() == {"detail": "Workflow not found"}
    assert http.get("/workflows/nope/events").json() == {"detail": "Workflow 'nope' not found"}
    response = http.post("/workflows/nope/run", json={})
    assert (response.status_code, response.json()) == (404, {"detail": "Workflow not found"})
    for path in ("/handlers/nope", "/results/nope", "/events/nope"):
        response = http.get(path)
        assert (response.status_code, response.json()) == (404, {"detail": "Handler not found"}), path
    response = httpx.get(f"{mock.url}/deployments/other/workflows")
    assert response.status_code == 404
    assert response.json()["detail"].startswith("Deployment 'other' not found. This server serves: wfdemo, extra")


def test_health_routes(http, mock):
    assert http.get("/health").json() == {"status": "healthy"}
    for path in ("/health", "/healthz", "/livez", "/readyz"):
        assert httpx.get(mock.url + path).json() == {"status": "Healthy"}


# ------------------------------------------------------------------------------ runs
def test_a_sync_run_answers_the_completed_handler(http):
    response = http.post("/workflows/echo/run", json={"start_event": {"text": "hi"}})
    assert response.status_code == 200
    handler = response.json()
    assert list(handler) == [
        "handler_id", "workflow_name", "run_id", "error", "result", "result_unreadable",
        "status", "started_at", "updated_at", "completed_at",
    ]  # fmt: skip
    assert handler["status"] == "completed"
    assert handler["result"] == {
        "value": {"result": "hi"},
        "qualified_name": "workflows.events.StopEvent",
        "type": "StopEvent",
        "types": None,
    }
    assert len(handler["handler_id"]) == 10 and handler["handler_id"].isalnum()
    assert handler["started_at"].endswith("+00:00") and handler["completed_at"] == handler["updated_at"]


@pytest.mark.parametrize(
    "body",
    [
        {"start_event": {"text": "py"}},
        {
            "start_event": {"value": {"_data": {"text": "py"}}, "type": "StartEvent", "qualified_name": None},
            "context": {},
        },
        {"start_event": {"value": {"text": "py"}, "type": "StartEvent"}},
        {"start_event": '{"text": "py"}'},
        {"kwargs": {"text": "py"}},
    ],
)
def test_every_start_event_form_the_real_server_accepts(http, body):
    assert http.post("/workflows/echo/run", json=body).json()["result"]["value"] == {"result": "py"}


def test_a_failing_sync_run_is_a_500_with_the_handler(wall):
    response = httpx.post(f"{wall.url}/deployments/wfdemo/workflows/boom/run", json={}, timeout=10)
    assert response.status_code == 500
    handler = response.json()
    assert (handler["status"], handler["error"], handler["result"]) == ("failed", "scripted failure", None)


def test_hitl_end_to_end_on_the_virtual_clock(http, mock):
    handler = start(http, "hitl", {"start_event": {"name": "Ada"}})
    assert handler["status"] == "running" and handler["result"] is None
    hid = handler["handler_id"]
    assert http.get(f"/handlers/{hid}").status_code == 202
    with http.stream("GET", f"/events/{hid}", params={"after_sequence": -1, "include_internal": "true"}) as stream:
        assert stream.headers["content-type"] == "text/event-stream; charset=utf-8"
        first = frames(stream, 1)
        assert first == [
            (0, {"value": {"name": "start", "step_state": "running", "worker_id": "0",
                           "input_event_name": "StartEvent", "output_event_name": None},
                 "qualified_name": "workflows.events.StepStateChanged", "type": "StepStateChanged",
                 "types": ["InternalDispatchEvent"]}),
        ]  # fmt: skip
        mock.admin.advance_clock(0.1)  # the emit's `after: 0.1`
        waiting = frames(stream, 4)
        assert [(i, e["type"]) for i, e in waiting] == [
            (1, "ProgressEvent"), (2, "StepStateChanged"), (3, "AskEvent"), (4, "WorkflowIdleEvent"),
        ]  # fmt: skip
        assert waiting[0][1]["value"] == {"msg": "hello Ada", "pct": 50}
        assert waiting[0][1]["qualified_name"] == "wfdemo.workflows.ProgressEvent"
        assert waiting[2][1]["value"] == {"prefix": "Approve greeting for Ada?"}
        assert waiting[2][1]["types"] == ["InputRequiredEvent"]
        answer = {"type": "AnswerEvent", "qualified_name": "AnswerEvent", "types": ["HumanResponseEvent"],
                  "value": {"response": "yes"}}  # fmt: skip
        assert http.post(f"/events/{hid}", json={"event": answer}).json() == {"status": "sent"}
        rest = frames(stream)  # to the end: the server closes the stream after the StopEvent
    assert [(i, e["type"]) for i, e in rest] == [
        (5, "StepStateChanged"), (6, "ProgressEvent"), (7, "StepStateChanged"), (8, "StopEvent"),
    ]  # fmt: skip
    assert rest[0][1]["value"]["input_event_name"] == "AnswerEvent"
    assert rest[3][1]["value"] == {"result": {"answer": "yes", "approved": True}}
    done = http.get(f"/handlers/{hid}")
    assert done.status_code == 200 and done.json()["status"] == "completed"
    assert http.get(f"/results/{hid}").json()["result"] == {"answer": "yes", "approved": True}
    # after the end: a replay closes at once; the default cursor "now" has nothing left
    with http.stream("GET", f"/events/{hid}", params={"after_sequence": -1}) as replay:
        assert [i for i, _ in frames(replay)] == [1, 3, 6, 8]
    nothing = http.get(f"/events/{hid}")
    assert (nothing.status_code, nothing.content) == (204, b"")
    late = http.post(f"/events/{hid}", json={"event": answer})
    assert (late.status_code, late.json()) == (409, {"detail": "Workflow already completed"})


def test_streams_without_internal_events_show_sequence_gaps_and_ndjson_has_no_ids(http, mock):
    hid = start(http, "hitl", {"start_event": {"name": "Bo"}})["handler_id"]
    mock.admin.advance_clock(1)
    with http.stream("GET", f"/events/{hid}", params={"after_sequence": -1}) as stream:
        assert [(i, e["type"]) for i, e in frames(stream, 2)] == [(1, "ProgressEvent"), (3, "AskEvent")]
    with http.stream("GET", f"/events/{hid}", params={"after_sequence": "-1", "sse": "false"}) as stream:
        assert stream.headers["content-type"] == "application/x-ndjson"
        lines = []
        for line in stream.iter_lines():
            lines.append(json.loads(line))
            if len(lines) == 2:
                break
    assert [e["type"] for e in lines] == ["ProgressEvent", "AskEvent"]
    headers = {"Last-Event-ID": "1"}
    with http.stream("GET", f"/events/{hid}", params={"include_qualified_name": "false"}, headers=headers) as stream:
        (only,) = frames(stream, 1)
    assert only[0] == 3 and only[1]["qualified_name"] is None


def test_an_idle_stream_gets_heartbeat_comments(http):
    hid = start(http, "hitl", {"start_event": {"name": "Cy"}})["handler_id"]
    with http.stream("GET", f"/events/{hid}") as stream:
        assert next(stream.iter_lines()) == ": heartbeat"


def test_several_consumers_get_the_same_events(http, mock):
    hid = start(http, "hitl", {"start_event": {"name": "Di"}})["handler_id"]
    with (
        http.stream("GET", f"/events/{hid}", params={"after_sequence": -1}) as one,
        http.stream("GET", f"/events/{hid}", params={"after_sequence": 0}) as two,
    ):
        mock.admin.advance_clock(0.1)
        http.post(f"/events/{hid}", json={"event": {"type": "AnswerEvent", "value": {"response": "ok"}}})
        assert [i for i, _ in frames(one)] == [i for i, _ in frames(two)] == [1, 3, 6, 8]


def test_cancel_ends_the_stream_then_purge_deletes(http, mock):
    hid = start(http, "hitl", {"start_event": {"name": "Ed"}})["handler_id"]
    mock.admin.advance_clock(0.1)
    with http.stream("GET", f"/events/{hid}", params={"after_sequence": 3}) as stream:
        assert http.post(f"/handlers/{hid}/cancel").json() == {"status": "cancelled"}
        (last,) = frames(stream)
    assert last[1] == {
        "value": {},
        "qualified_name": "workflows.events.WorkflowCancelledEvent",
        "type": "WorkflowCancelledEvent",
        "types": ["StopEvent"],
    }
    cancelled = http.get(f"/handlers/{hid}")
    assert cancelled.status_code == 500
    assert (cancelled.json()["status"], cancelled.json()["error"]) == ("cancelled", None)
    again = http.post(f"/handlers/{hid}/cancel")
    assert (again.status_code, again.json()) == (404, {"detail": "Handler not found"})
    assert http.post(f"/handlers/{hid}/cancel", params={"purge": "true"}).json() == {"status": "deleted"}
    assert http.get(f"/handlers/{hid}").status_code == 404
    assert http.get(f"/events/{hid}").status_code == 404


def test_a_chosen_handler_id_conflicts_while_running_and_is_reused_after(http):
    start(http, "hitl", {"start_event": {"name": "Fa"}, "handler_id": "mine-1"})
    response = http.post("/workflows/hitl/run-nowait", json={"start_event": {"name": "x"}, "handler_id": "mine-1"})
    assert (response.status_code, response.json()) == (409, {"detail": "Handler 'mine-1' is already running"})
    http.post("/handlers/mine-1/cancel")
    again = http.post("/workflows/echo/run", json={"start_event": {"text": "b"}, "handler_id": "mine-1"}).json()
    assert (again["handler_id"], again["workflow_name"], again["status"]) == ("mine-1", "echo", "completed")
    assert [h["handler_id"] for h in http.get("/handlers").json()["handlers"]] == ["mine-1"]


def test_handlers_filters_repeat_as_or_and_combine_as_and(http, mock):
    echo = http.post("/workflows/echo/run", json={"start_event": {"text": "a"}}).json()["handler_id"]
    hitl = start(http, "hitl", {"start_event": {"name": "Gi"}})["handler_id"]
    boom = start(http, "boom")["handler_id"]
    mock.admin.advance_clock(1)

    def ids(**params):
        return [h["handler_id"] for h in http.get("/handlers", params=params).json()["handlers"]]

    assert ids() == [echo, hitl, boom]
    assert ids(status=["running", "failed"]) == [hitl, boom]
    assert ids(status="completed", workflow_name=["echo", "boom"]) == [echo]
    assert ids(status="bogus") == []
    assert ids(status="") == [echo, hitl, boom]
    assert http.get(f"/handlers/{boom}").json()["error"] == "scripted failure"


def test_a_timeout_fails_the_run_on_the_server_clock(mock):
    mock.reset()
    base = f"{mock.url}/deployments/extra"
    hid = httpx.post(f"{base}/workflows/slow/run-nowait", json={"start_event": {"q": "?"}}).json()["handler_id"]
    mock.admin.advance_clock(4.9)
    assert httpx.get(f"{base}/handlers/{hid}").status_code == 202
    mock.admin.advance_clock(0.1)
    handler = httpx.get(f"{base}/handlers/{hid}")
    assert handler.status_code == 500
    assert (handler.json()["status"], handler.json()["error"]) == ("failed", "Workflow timed out after 5s")
    events = httpx.get(f"{base}/events/{hid}", params={"after_sequence": 1}).text
    assert '"type":"WorkflowTimedOutEvent"' in events and '"timeout":5' in events


def test_answers_are_validated_templated_and_may_come_early(mock):
    mock.reset()
    base = f"{mock.url}/deployments/extra"
    hid = httpx.post(f"{base}/workflows/slow/run-nowait", json={"start_event": {"q": "?"}}).json()["handler_id"]
    bad = httpx.post(f"{base}/events/{hid}", json={"event": {"type": "AnswerEvent", "value": {"n": "x"}}})
    assert bad.status_code == 400
    assert bad.json()["detail"].startswith(
        "Failed to deserialize event: 1 validation error for AnswerEvent\nn\n  Input should be a valid integer"
    )
    sent = httpx.post(f"{base}/events/{hid}", json={"event": json.dumps({"type": "AnswerEvent", "data": {"n": 7}})})
    assert sent.json() == {"status": "sent"}
    result = httpx.get(f"{base}/handlers/{hid}").json()["result"]["value"]["result"]
    assert result == {"n": 7, "again": 7, "id": hid}
    # an answer sent before the run asks is taken when it asks
    early = httpx.post(f"{base}/workflows/early/run-nowait", json={}).json()["handler_id"]
    httpx.post(
        f"{base}/events/{early}", json={"event": {"qualified_name": "extra.workflows.AnswerEvent", "value": {"ok": 1}}}
    )
    assert httpx.get(f"{base}/handlers/{early}").status_code == 202
    mock.admin.advance_clock(1)
    assert httpx.get(f"{base}/results/{early}").json()["result"] == 1


# ------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (b"", "Invalid JSON body: Expecting value: line 1 column 1 (char 0)"),
        (b"[]", "Error processing request body: 'list' object has no attribute 'get'"),
        (b'{"start_event": 5}', "Failed to deserialize event. Must be a json object, or stringified json object"),
        (
            b'{"context": {"a": 1}}',
            "Context API is disabled. Set accept_context_api=True on WorkflowServer to enable it.",
        ),
        (
            b'{"start_event": {}}',
            "Failed to deserialize event: 1 validation error for StartEvent\nname\n  Field required",
        ),
        (b'{"start_event": {"value": {}, "type": "Nope"}}', "Invalid event type: Nope. Expected one of AnswerEvent"),
        (b'{"handler_id": 5}', "Invalid handler_id"),
    ],
)
def test_bad_run_bodies_are_400_with_the_real_words(http, content, detail):
    response = http.post("/workflows/hitl/run-nowait", content=content, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert detail in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        (b"nope", 400, "Error processing request: Expecting value: line 1 column 1 (char 0)"),
        (b"{}", 400, "Event data is required"),
        (b'{"event": {"value": {}}}', 400, "Invalid client data. Must have a type or a qualified name, got {event}"),
        (
            b'{"event": {"type": "Nope", "value": {}}}',
            400,
            "Invalid event type: Nope. Expected one of AnswerEvent, AskEvent, StopEvent, StartEvent",
        ),
        (
            b'{"event": {"type": "AnswerEvent", "value": 5}}',
            400,
            "Failed to deserialize event: 1 validation error for AnswerEvent\n  Input should be a valid dictionary "
            "or instance of AnswerEvent [type=model_type, input_value=5, input_type=int]",
        ),
        (
            b'{"event": {"type": "Nope"}}',
            400,
            "Failed to deserialize event: 1 validation error for EventEnvelope\nvalue\n"
            "  Field required [type=missing, input_value={'type': 'Nope'}, input_type=dict]",
        ),
        (b'{"event": "{bad"}', 400, "Failed to deserialize event. Must be a json object, or stringified json object"),
        (b'{"event": 0}', 400, "Event data is required"),
    ],
)
def test_bad_events_are_400_with_the_real_words(http, body, status, detail):
    hid = start(http, "hitl", {"start_event": {"name": "Ha"}})["handler_id"]
    response = http.post(f"/events/{hid}", content=body, headers={"content-type": "application/json"})
    assert response.status_code == status
    assert response.json()["detail"].startswith(detail)


def test_a_bad_after_sequence_is_a_400(http):
    hid = start(http, "hitl", {"start_event": {"name": "Io"}})["handler_id"]
    for value in ("abc", "1.5"):
        response = http.get(f"/events/{hid}", params={"after_sequence": value})
        assert (response.status_code, response.json()) == (400, {"detail": f"Invalid after_sequence: '{value}'"})


# ------------------------------------------------------------------------------ the fake's surface
def test_cors_echoes_the_origin_with_credentials(http):
    origin = {"Origin": "http://localhost:4502"}
    response = http.get("/workflows", headers=origin)
    assert response.headers["access-control-allow-origin"] == "http://localhost:4502"
    assert response.headers["access-control-allow-credentials"] == "true"
    preflight = http.options("/events/x", headers={**origin, "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "http://localhost:4502"
    assert preflight.headers["access-control-allow-methods"] == "GET, POST"


def test_with_api_keys_the_bearer_rule_applies(scenarios):
    with run_server(["--workflows", scenarios[0], "--api-key", "k1"]) as mock:
        url = f"{mock.url}/deployments/wfdemo/workflows"
        assert httpx.get(url).status_code == 401
        assert httpx.get(url, headers={"Authorization": "Bearer k2"}).status_code == 401
        assert httpx.get(url, headers={"Authorization": "Bearer k1"}).status_code == 200


def test_reset_clears_handlers_and_the_journal_records_workflow_requests(http, mock):
    start(http, "hitl", {"start_event": {"name": "Jo"}})
    assert len(http.get("/handlers").json()["handlers"]) == 1
    recorded = mock.requests(path="/deployments/wfdemo/workflows/hitl/run-nowait")
    assert [r["status"] for r in recorded] == [200]
    mock.reset()
    assert http.get("/handlers").json() == {"handlers": []}


def test_a_fault_rule_matches_a_workflow_operation(http, mock):
    mock.admin.add_fault(operation="list_workflows", status=503, times=1)
    assert http.get("/workflows").status_code == 503
    assert http.get("/workflows").status_code == 200


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("deployment: x\nworkflows: {a: {steps: [{emit: E}]}}", "at workflows.a.steps[0]: the last step must be"),
        ("deployment: x\nworkflows: {a: {steps: [{stop: , after: -1}]}}", "at workflows.a.steps[0].after: -1 is less"),
        ("deployment: x\nworkflows: [", "not valid YAML"),
    ],
)
def test_a_bad_scenario_file_is_refused_at_start_without_a_traceback(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--workflows", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert f"cannot start: {path}" in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr


def test_the_admin_api_lists_runs_shows_where_they_wait_and_answers_or_fails_them(http, mock):
    hid = start(http, "hitl", {"start_event": {"name": "Ka"}})["handler_id"]
    other = start(http, "hitl", {"start_event": {"name": "Lu"}})["handler_id"]
    admin = mock.admin.http
    where = admin.get(f"/_mock/workflows/wfdemo/handlers/{hid}").json()
    assert (where["step"], where["waiting_for"], where["last_sequence"]) == (0, None, 0)
    assert where["next_step_at"] is not None
    mock.admin.advance_clock(0.1)
    waiting = mock.admin.workflow_runs(waiting=True)
    assert [(w["handler_id"], w["waiting_for"]) for w in waiting] == [(hid, "AnswerEvent"), (other, "AnswerEvent")]
    answered = admin.post(f"/_mock/workflows/wfdemo/handlers/{hid}/answer", json={"value": {"response": "admin"}})
    assert answered.status_code == 200 and answered.json()["status"] == "completed"
    assert http.get(f"/results/{hid}").json()["result"] == {"answer": "admin", "approved": True}
    again = admin.post(f"/_mock/workflows/wfdemo/handlers/{hid}/answer", json={})
    assert (again.status_code, again.json()) == (409, {"detail": "Workflow already completed"})
    assert mock.admin.fail_workflow_run("wfdemo", other, "gave up")["status"] == "failed"
    handler = http.get(f"/handlers/{other}")
    assert (handler.status_code, handler.json()["error"]) == (500, "gave up")
    assert admin.get("/_mock/workflows/wfdemo/handlers/nope").status_code == 404


def test_the_journal_notes_a_stream_without_keeping_its_body(http, mock):
    hid = start(http, "echo", {"start_event": {"text": "streamed"}})["handler_id"]
    streamed = http.get(f"/events/{hid}", params={"after_sequence": -1})
    assert streamed.status_code == 200 and "StopEvent" in streamed.text
    [entry] = mock.admin.requests(path=f"/deployments/wfdemo/events/{hid}")
    assert entry["response_streamed"] is True and entry["response_body"] is None
    assert entry["response_body_size"] == len(streamed.content) and entry["response_body_truncated"] is False
    assert entry["response_headers"]["content-type"].startswith("text/event-stream")
    [started] = mock.admin.requests(path="*/echo/run-nowait", body={"start_event": {"text": "streamed"}})
    assert started["response_body"]["handler_id"] == hid and started["response_streamed"] is False


def test_the_admin_api_lists_the_deployments_served(mock, scenarios):
    listed = mock.admin.workflow_deployments()
    assert [(d["deployment"], d["source"]) for d in listed] == [("wfdemo", scenarios[0]), ("extra", scenarios[1])]
    assert listed[0]["workflows"] == ["hitl", "echo", "boom", "slow"]  # the order of the file


def test_with_db_handlers_and_logs_survive_a_crash_and_running_runs_go_on(tmp_path):
    db = tmp_path / "state.json"
    args = ["--workflows", str(WFDEMO), "--virtual-clock", "--db", str(db)]
    with run_server(args, mode="process") as first:
        base = f"{first.url}/deployments/wfdemo"
        ended = httpx.post(f"{base}/workflows/echo/run", json={"start_event": {"text": "kept"}}).json()
        asked = httpx.post(f"{base}/workflows/hitl/run-nowait", json={"start_event": {"name": "Asked"}}).json()
        first.admin.advance_clock(0.1)  # `asked` asks
        due = httpx.post(f"{base}/workflows/hitl/run-nowait", json={"start_event": {"name": "Due"}}).json()
        assert first.admin.workflow_run("wfdemo", due["handler_id"])["waiting_for"] is None
        first.process.kill()  # no clean shutdown: the write-ahead log has it all
    with run_server(args, mode="process") as second:
        base = f"{second.url}/deployments/wfdemo"
        assert httpx.get(f"{base}/handlers/{ended['handler_id']}").json() == ended
        # the step `due` had at +0.1 happens: the restarted clock is past it
        assert second.admin.workflow_run("wfdemo", due["handler_id"])["waiting_for"] == "AnswerEvent"
        for handler in (asked, due):
            answer = {"event": {"type": "AnswerEvent", "value": {"response": handler["handler_id"]}}}
            assert httpx.post(f"{base}/events/{handler['handler_id']}", json=answer).json() == {"status": "sent"}
            done = httpx.get(f"{base}/results/{handler['handler_id']}").json()
            assert (done["status"], done["result"]["answer"]) == ("completed", handler["handler_id"])
        replay = httpx.get(
            f"{base}/events/{asked['handler_id']}", params={"after_sequence": -1, "include_internal": "true"}
        )
        ids = [int(line[4:]) for line in replay.text.splitlines() if line.startswith("id: ")]
        assert ids == list(range(9))
        assert replay.text.count('"type":"AskEvent"') == 1


def test_in_process_runs_move_on_the_wall_clock():
    """Without a socket (mockserver.testing.in_process, whose transport reads a response whole):
    the background timer runs in the transport's event loop."""
    from mockserver.testing import in_process

    with in_process(["--workflows", str(WFDEMO)]) as mock, mock.http_client() as client:
        base = "/deployments/wfdemo"
        response = client.post(f"{base}/workflows/boom/run", json={})  # its one step comes 0.2 s after the start
        assert (response.status_code, response.json()["error"]) == (500, "scripted failure")
        hid = client.post(f"{base}/workflows/hitl/run-nowait", json={"start_event": {"name": "In"}}).json()[
            "handler_id"
        ]
        for _ in range(500):  # the ask comes 0.1 s after the start
            if mock.admin.workflow_run("wfdemo", hid)["waiting_for"] is not None:
                break
            time.sleep(0.01)
        mock.admin.answer_workflow_run("wfdemo", hid, {"response": "in"})
        replay = client.get(f"{base}/events/{hid}", params={"after_sequence": -1})
        assert [line for line in replay.text.splitlines() if line.startswith("id: ")] == [
            "id: 1", "id: 3", "id: 6", "id: 8",
        ]  # fmt: skip


def test_with_db_a_snapshot_carries_handlers_and_a_restore_brings_them_back(tmp_path):
    with run_server(["--workflows", str(WFDEMO), "--virtual-clock", "--db", str(tmp_path / "s.json")]) as mock:
        base = f"{mock.url}/deployments/wfdemo"
        ended = httpx.post(f"{base}/workflows/echo/run", json={"start_event": {"text": "snap"}}).json()
        running = httpx.post(f"{base}/workflows/hitl/run-nowait", json={"start_event": {"name": "Sn"}}).json()
        snapshot = mock.admin.snapshot()
        mock.reset()
        assert httpx.get(f"{base}/handlers").json() == {"handlers": []}
        mock.admin.restore(snapshot)
        assert httpx.get(f"{base}/handlers/{ended['handler_id']}").json() == ended
        mock.admin.advance_clock(0.1)
        assert mock.admin.workflow_run("wfdemo", running["handler_id"])["waiting_for"] == "AnswerEvent"


def test_the_oldest_ended_handlers_are_forgotten_beyond_the_limit():
    with run_server(["--workflows", str(WFDEMO), "--virtual-clock", "--max-ended-handlers", "2"]) as mock:
        base = f"{mock.url}/deployments/wfdemo"
        running = httpx.post(f"{base}/workflows/hitl/run-nowait", json={"start_event": {"name": "Ma"}}).json()
        ended = [
            httpx.post(f"{base}/workflows/echo/run", json={"start_event": {"text": str(i)}}).json()["handler_id"]
            for i in range(3)
        ]
        listed = [h["handler_id"] for h in httpx.get(f"{base}/handlers").json()["handlers"]]
        assert listed == [running["handler_id"], *ended[1:]]  # running ones are never forgotten
        assert httpx.get(f"{base}/handlers/{ended[0]}").status_code == 404
