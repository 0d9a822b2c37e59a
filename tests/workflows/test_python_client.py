"""The vendor's Python client, ``llama_agents.client.WorkflowClient`` (llama-agents-client 0.4.1),
unmodified, against each target: every method, a full human-in-the-loop run, a failing run and a
cancelled one. The server is shared by the session, so each test finds its own handlers by id."""

from __future__ import annotations

import uuid

import httpx
import pytest
from llama_agents.client import WorkflowClient
from workflows.events import HumanResponseEvent, StartEvent

pytestmark = pytest.mark.asyncio(loop_scope="function")

HITL_PUBLIC = ["ProgressEvent", "AskEvent", "ProgressEvent", "StopEvent"]


class AnswerEvent(HumanResponseEvent):
    """The event the hitl run waits for; the server resolves it by its class name."""

    response: str


@pytest.fixture
def client(base_url) -> WorkflowClient:
    return WorkflowClient(base_url=base_url)


async def events_of(client: WorkflowClient, handler_id: str, **options) -> list:
    return [event async for event in client.get_workflow_events(handler_id, **options)]


async def run_hitl(client: WorkflowClient, name: str, answer) -> tuple[str, list]:
    """A hitl run from run-nowait to its end, answered (with ``answer``) when it asks; its events."""
    handler = await client.run_workflow_nowait("hitl", start_event={"name": name})
    seen = []
    async for event in client.get_workflow_events(handler.handler_id):
        seen.append(event)
        if event.type == "AskEvent":
            sent = await client.send_event(handler.handler_id, answer)
            assert sent.status == "sent"
    return handler.handler_id, seen


def http_error(raised: pytest.ExceptionInfo) -> tuple[int, dict]:
    return raised.value.response.status_code, raised.value.response.json()


async def test_health_and_workflows(client):
    assert (await client.is_healthy()).status == "healthy"
    assert (await client.list_workflows()).workflows == ["hitl", "echo", "boom", "slow"]


async def test_schemas_and_graph(client):
    schema = await client.get_workflow_schema("hitl")
    assert schema.start["type"] == "object"
    assert schema.start["properties"]["name"]["type"] == "string"
    assert schema.start["required"] == ["name"]
    assert schema.stop["type"] == "object"
    titles = [event["title"] for event in (await client.get_workflow_events_schema("hitl")).events]
    assert {"AskEvent", "AnswerEvent"} <= set(titles)
    graph = (await client.get_workflow_graph("hitl")).graph
    labels = {node.label for node in graph.nodes}
    assert {"AskEvent", "AnswerEvent"} <= labels
    with pytest.raises(httpx.HTTPStatusError) as raised:
        await client.get_workflow_schema("nope")
    assert http_error(raised) == (404, {"detail": "Workflow not found"})


async def test_run_blocks_until_the_result(client):
    for start in ({"text": "sync"}, StartEvent(text="sync")):
        handler = await client.run_workflow("echo", start_event=start)
        assert handler.status == "completed"
        assert handler.workflow_name == "echo"
        assert handler.error is None
        assert handler.result.type == "StopEvent"
        assert handler.result.value == {"result": "sync"}
        assert handler.completed_at is not None


async def test_run_nowait_then_wait_for_handler(client):
    started = await client.run_workflow_nowait("echo", start_event=StartEvent(text="later"))
    assert started.status in ("running", "completed")
    assert started.result is None or started.result.value == {"result": "later"}
    done = await client.wait_for_handler(started.handler_id, timeout=30, poll_interval=0.05, backoff="constant")
    assert done.handler_id == started.handler_id
    assert done.status == "completed"
    assert done.result.value == {"result": "later"}
    assert (await client.get_result(started.handler_id)).result.value == {"result": "later"}


async def test_full_human_in_the_loop_run(client):
    handler_id, seen = await run_hitl(client, "Ada", AnswerEvent(response="yes"))
    assert [event.type for event in seen] == HITL_PUBLIC
    assert seen[0].value == {"msg": "hello Ada", "pct": 50}
    assert seen[1].value == {"prefix": "Approve greeting for Ada?"}
    assert seen[1].types == ["InputRequiredEvent"]
    assert seen[2].value == {"msg": "got answer", "pct": 100}
    assert seen[3].value == {"result": {"answer": "yes", "approved": True}}
    handler = await client.get_handler(handler_id)
    assert handler.status == "completed"
    assert handler.result.value == {"result": {"answer": "yes", "approved": True}}
    # the event log replays the same events; after its end nothing is left (204: the stream is empty)
    assert [event.type for event in await events_of(client, handler_id)] == HITL_PUBLIC
    assert await events_of(client, handler_id, after_sequence="now") == []
    with pytest.raises(httpx.HTTPStatusError) as raised:
        await client.send_event(handler_id, AnswerEvent(response="again"))
    assert http_error(raised) == (409, {"detail": "Workflow already completed"})


async def test_answer_as_a_dict_to_a_step(client):
    answer = {"type": "AnswerEvent", "value": {"response": "dict"}}
    handler_id, seen = await run_hitl(client, "Bo", answer)
    assert seen[-1].value == {"result": {"answer": "dict", "approved": True}}


async def test_stream_cursors(client):
    handler = await client.run_workflow_nowait("hitl", start_event={"name": "Cy"})
    stream = client.get_workflow_events(handler.handler_id)
    async for event in stream:
        if event.type == "AskEvent":
            break
    asked_at = stream.last_sequence
    assert isinstance(asked_at, int)
    await client.send_event(handler.handler_id, AnswerEvent(response="ok"), step="step_2")
    after_ask = await events_of(client, handler.handler_id, after_sequence=asked_at)
    assert [event.type for event in after_ask] == ["ProgressEvent", "StopEvent"]
    everything = await events_of(client, handler.handler_id, include_internal_events=True)
    internal = [event for event in everything if "InternalDispatchEvent" in (event.types or [])]
    assert {event.type for event in internal} >= {"StepStateChanged"}
    assert [event.type for event in everything if event not in internal] == HITL_PUBLIC


class _CutAfterFirstFrame(httpx.AsyncByteStream):
    """An SSE body that delivers its first frame, then breaks like a dropped connection."""

    def __init__(self, inner: httpx.AsyncByteStream):
        self.inner = inner

    async def __aiter__(self):
        buffer = b""
        async for chunk in self.inner:
            buffer += chunk
            if b"\n\n" in buffer:
                yield buffer[: buffer.index(b"\n\n") + 2]
                raise httpx.ReadError("connection dropped by the test")

    async def aclose(self) -> None:
        await self.inner.aclose()


class _DropFirstStream(httpx.AsyncBaseTransport):
    def __init__(self):
        self.inner = httpx.AsyncHTTPTransport()
        self.streams: list[httpx.URL] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if "/events/" in request.url.path and request.method == "GET":
            self.streams.append(request.url)
            if len(self.streams) == 1:
                response.stream = _CutAfterFirstFrame(response.stream)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_stream_reconnects_from_the_last_event(base_url):
    transport = _DropFirstStream()
    async with httpx.AsyncClient(base_url=base_url, transport=transport) as http:
        client = WorkflowClient(httpx_client=http)
        handler_id, seen = await run_hitl(client, "Di", AnswerEvent(response="back"))
    assert [event.type for event in seen] == HITL_PUBLIC  # nothing lost, nothing twice
    first, second = transport.streams[:2]
    assert first.params["after_sequence"] == "-1"
    assert int(second.params["after_sequence"]) >= 0  # the id of the one frame that got through


async def test_failing_run(client):
    with pytest.raises(httpx.HTTPStatusError) as raised:
        await client.run_workflow("boom")
    status, body = http_error(raised)
    assert status == 500
    assert (body["workflow_name"], body["status"], body["error"], body["result"]) == (
        "boom", "failed", "scripted failure", None)
    failed = await events_of(client, body["handler_id"])
    assert [(event.type, event.types) for event in failed] == [("WorkflowFailedEvent", ["StopEvent"])]
    assert failed[0].value["exception"]["exception_message"] == "scripted failure"
    with pytest.raises(httpx.HTTPStatusError) as raised:
        await client.get_handler(body["handler_id"])
    assert http_error(raised) == (500, body)
    started = await client.run_workflow_nowait("boom")
    with pytest.raises(httpx.HTTPStatusError) as raised:
        await client.wait_for_handler(started.handler_id, timeout=30, poll_interval=0.05, backoff="constant")
    status, body = http_error(raised)
    assert (status, body["status"], body["error"]) == (500, "failed", "scripted failure")


async def test_cancelled_runs(client):
    for workflow, start, before in (("hitl", {"name": "Ed"}, "AskEvent"), ("slow", None, "ProgressEvent")):
        handler = await client.run_workflow_nowait(workflow, start_event=start)
        seen = []
        async for event in client.get_workflow_events(handler.handler_id):
            seen.append(event)
            if event.type == before:
                assert (await client.cancel_handler(handler.handler_id)).status == "cancelled"
        assert seen[-1].type == "WorkflowCancelledEvent"
        assert (seen[-1].value, seen[-1].types) == ({}, ["StopEvent"])
        with pytest.raises(httpx.HTTPStatusError) as raised:
            await client.get_handler(handler.handler_id)
        status, body = http_error(raised)
        assert (status, body["status"], body["error"], body["result"]) == (500, "cancelled", None, None)
        with pytest.raises(httpx.HTTPStatusError) as raised:
            await client.cancel_handler(handler.handler_id)  # no purge: an ended handler is not found
        assert http_error(raised) == (404, {"detail": "Handler not found"})
        with pytest.raises(httpx.HTTPStatusError) as raised:
            await client.send_event(handler.handler_id, AnswerEvent(response="late"))
        assert http_error(raised) == (409, {"detail": "Workflow already completed"})


async def test_purge(client):
    done = await client.run_workflow("echo", start_event={"text": "gone"})
    assert (await client.cancel_handler(done.handler_id, purge=True)).status == "deleted"
    with pytest.raises(httpx.HTTPStatusError) as raised:
        await client.get_handler(done.handler_id)
    assert http_error(raised) == (404, {"detail": "Handler not found"})
    assert done.handler_id not in {h.handler_id for h in (await client.get_handlers()).handlers}
    with pytest.raises(ValueError, match="Handler not found"):
        await events_of(client, done.handler_id)


async def test_handlers_and_their_filters(client):
    echo = await client.run_workflow("echo", start_event={"text": "listed"})
    with pytest.raises(httpx.HTTPStatusError) as raised:
        await client.run_workflow("boom")
    boom = raised.value.response.json()["handler_id"]
    waiting = (await client.run_workflow_nowait("hitl", start_event={"name": "Flo"})).handler_id
    ours = {echo.handler_id, boom, waiting}

    async def listed(**filters) -> dict[str, str]:
        handlers = (await client.get_handlers(**filters)).handlers
        return {h.handler_id: h.status for h in handlers if h.handler_id in ours}

    assert await listed() == {echo.handler_id: "completed", boom: "failed", waiting: "running"}
    assert await listed(status=["running"]) == {waiting: "running"}
    assert await listed(status=["completed", "failed"]) == {echo.handler_id: "completed", boom: "failed"}
    assert await listed(workflow_name=["echo", "hitl"]) == {echo.handler_id: "completed", waiting: "running"}
    assert await listed(status=["failed"], workflow_name=["echo"]) == {}
    running = await client.get_handler(waiting)  # 202: running is no error
    assert (running.status, running.result, running.completed_at) == ("running", None, None)
    await client.cancel_handler(waiting, purge=True)


async def test_client_chosen_handler_id(client):
    chosen = f"py-{uuid.uuid4().hex[:12]}"
    waiting = await client.run_workflow_nowait("hitl", handler_id=chosen, start_event={"name": "Gus"})
    assert waiting.handler_id == chosen
    with pytest.raises(httpx.HTTPStatusError) as raised:
        await client.run_workflow_nowait("hitl", handler_id=chosen, start_event={"name": "Gus"})
    assert http_error(raised) == (409, {"detail": f"Handler '{chosen}' is already running"})
    await client.cancel_handler(chosen)
    again = await client.run_workflow("echo", handler_id=chosen, start_event={"text": "reused"})
    assert (again.handler_id, again.workflow_name, again.status) == (chosen, "echo", "completed")
    assert again.run_id != waiting.run_id
