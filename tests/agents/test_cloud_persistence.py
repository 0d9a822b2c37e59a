"""The vendor's workflow server with cloud persistence, its state in the fake's Agent Data: complete
runs through the official client, then the server restarted against the same fake (and, in the second
case, the fake itself restarted on its --db file in between) reads back every ended handler, result
and event stream unchanged, and a run left waiting for input is answered after the restart and ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import httpx
import pytest
from llama_agents.client import WorkflowClient
from servers import API_KEY, fake, journal, workflow_server

ENDED = ("completed", "failed", "cancelled")
STEPS = 20  # the slow runs' steps: one event, a few ticks and a state update each
SLOW_RUNS = 4  # at once: concurrent creates and updates
PROJECT = "5f1c7c4e-2b9a-4d51-9a43-1c2d3e4f5a6b"
TIMEOUT = 60.0  # seconds: a synchronous run of a slow workflow on a loaded machine


async def events(client: WorkflowClient, handler_id: str, until: str | None = None) -> list[tuple[int, dict]]:
    """The run's event stream from its start (after_sequence=-1), as (sequence, envelope): to its end,
    or to the first event of type ``until``."""
    stream = client.get_workflow_events(handler_id, after_sequence=-1)
    seen = []
    try:
        async for event in stream:
            seen.append((stream.last_sequence, event.model_dump()))
            if event.type == until:
                break
    finally:
        await stream.aclose()
    return seen


@contextlib.asynccontextmanager
async def workflow_client(base: str):
    """The official client, with a timeout for the slow runs a loaded machine makes slower."""
    async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT) as http:
        yield WorkflowClient(httpx_client=http)


async def handlers(client: WorkflowClient) -> dict[str, dict]:
    return {h.handler_id: h.model_dump() for h in (await client.get_handlers()).handlers}


async def ended(client: WorkflowClient, handler_id: str) -> dict:
    """The handler once it has ended (read from the list: a failed or cancelled handler's own read is a 500)."""
    for _ in range(int(TIMEOUT / 0.1)):
        handler = (await handlers(client)).get(handler_id)
        if handler is not None and handler["status"] in ENDED:
            return handler
        await asyncio.sleep(0.1)
    pytest.fail(f"handler {handler_id} did not end: {handler}")


def result(handler: dict) -> Any:
    return handler["result"]["value"]["result"]


def answer(response: str) -> dict:
    return {"type": "AnswerEvent", "value": {"response": response}}


async def run_everything(client: WorkflowClient) -> dict[str, str]:
    """One run of each kind, all ended but one left waiting for input; their handler ids by kind."""
    ids = {}
    review = await client.run_workflow_nowait("review", start_event={"name": "ada"})
    asked = await events(client, review.handler_id, until="AskEvent")
    assert [e["type"] for _, e in asked] == ["ProgressEvent", "AskEvent"]
    await client.send_event(review.handler_id, answer("yes"))
    handler = await ended(client, review.handler_id)
    assert (handler["status"], result(handler)) == ("completed", {"name": "ada", "answer": "yes", "approved": True})
    ids["answered"] = review.handler_id

    waiting = await client.run_workflow_nowait("review", start_event={"name": "bob"})
    await events(client, waiting.handler_id, until="AskEvent")
    ids["waiting"] = waiting.handler_id

    boom = await client.run_workflow_nowait("boom")
    handler = await ended(client, boom.handler_id)
    assert (handler["status"], handler["error"]) == ("failed", "scripted failure")
    ids["failed"] = boom.handler_id

    for kind, purge, status in (("cancelled", False, "cancelled"), ("purged", True, "deleted")):
        stuck = await client.run_workflow_nowait("stuck")
        await events(client, stuck.handler_id, until="ProgressEvent")
        assert (await client.cancel_handler(stuck.handler_id, purge=purge)).status == status
        ids[kind] = stuck.handler_id
    assert (await ended(client, ids["cancelled"]))["status"] == "cancelled"

    slow = await asyncio.gather(*(client.run_workflow("slow", start_event={"steps": STEPS}) for _ in range(SLOW_RUNS)))
    assert [(run.status, result(run.model_dump())) for run in slow] == [("completed", {"count": STEPS})] * SLOW_RUNS
    ids.update((f"slow-{i}", run.handler_id) for i, run in enumerate(slow))
    return ids


async def ended_runs(client: WorkflowClient, ids: dict[str, str]) -> dict[str, tuple[dict, list]]:
    """Each ended run's handler and its whole event stream."""
    listed = await handlers(client)
    kinds = [kind for kind in ids if kind not in ("waiting", "purged")]
    return {kind: (listed[ids[kind]], await events(client, ids[kind])) for kind in kinds}


async def purged(client: WorkflowClient, handler_id: str) -> bool:
    with pytest.raises(httpx.HTTPStatusError) as error:
        await client.get_handler(handler_id)
    return error.value.response.status_code == 404 and handler_id not in await handlers(client)


def assert_answered_well(requests: list[dict], project_id: str) -> None:
    """Every Agent Data request succeeded, and they include the kinds the SDK suites never send."""
    failures = [(r["method"], r["path"], r["status"], r["body"]) for r in requests if r["status"] != 200]
    assert failures == []
    assert {r["query"] for r in requests} == {f"project_id={project_id}"}
    searches = [r["body"] for r in requests if r["path"].endswith(":search")]
    assert {s.get("order_by") for s in searches} >= {"sequence desc", "sequence", "created_at desc", None}
    filters = json.dumps([s.get("filter") for s in searches])
    for needed in ('"namespace": {"eq": null}', '"idle_since": {"eq": null}', '"includes": ["'):
        assert needed in filters
    assert any(r["path"].endswith(":delete") for r in requests)  # the purge
    assert any(r["method"] == "PUT" for r in requests)  # handler and state updates


def stored_in(url: str, project_id: str) -> int:
    """How many handlers the fake holds in the project (none named: its default project)."""
    response = httpx.post(
        f"{url}/api/v1/beta/agent-data/:search",
        params={"project_id": project_id} if project_id else {},
        json={"deployment_name": "agentsdemo", "collection": "workflow_contexts", "include_total": True},
        headers={"Authorization": f"Bearer {API_KEY}"},
    )
    return response.raise_for_status().json()["total_size"]


async def first_life(base: str) -> tuple[dict, dict, list]:
    """Every kind of run on a fresh server: their ids, the ended runs, the waiting run's stream so far."""
    async with workflow_client(base) as client:
        ids = await run_everything(client)
        return ids, await ended_runs(client, ids), await events(client, ids["waiting"], until="AskEvent")


async def second_life(base: str, ids: dict, ended_before: dict, waiting_before: list) -> list:
    """After the restart: what ended reads back unchanged, the waiting run is answered and ends.
    Its whole event stream."""
    async with workflow_client(base) as client:
        assert await ended_runs(client, ids) == ended_before
        assert await purged(client, ids["purged"])
        assert (await handlers(client))[ids["waiting"]]["status"] == "running"
        assert await events(client, ids["waiting"], until="AskEvent") == waiting_before

        await client.send_event(ids["waiting"], answer("no"))
        handler = await ended(client, ids["waiting"])
        assert (handler["status"], result(handler)) == ("completed", {"name": "bob", "answer": "no", "approved": False})
        return await events(client, ids["waiting"])


# The second case also names a project (LLAMA_DEPLOY_PROJECT_ID): the server's records stay in it.
@pytest.mark.parametrize(
    ("restart_fake", "project_id"), [(False, ""), (True, PROJECT)], ids=["same-fake", "fake-restarted-on-its-db"]
)
async def test_runs_survive_a_restart_of_the_workflow_server(tmp_path, restart_fake, project_id):
    flags = ("--db", str(tmp_path / "agent-data.json")) if restart_fake else ()
    log = tmp_path / "fake.log"
    with contextlib.ExitStack() as fakes:
        url = fakes.enter_context(fake(log, *flags))
        with workflow_server(url, tmp_path / "server-1.log", project_id) as base:
            ids, ended_before, waiting_before = await first_life(base)
        requests = journal(url)
        if restart_fake:
            fakes.close()
            url = fakes.enter_context(fake(log, *flags))
        with workflow_server(url, tmp_path / "server-2.log", project_id) as base:
            stream = await second_life(base, ids, ended_before, waiting_before)
        requests += journal(url) if restart_fake else journal(url)[len(requests) :]
        assert stored_in(url, project_id) == len(ids) - 1  # the purged one is gone
        assert stored_in(url, "" if project_id else PROJECT) == 0  # and none in another project

    # the stream carries on where it stopped before the restart, numbered on (internal events, not
    # streamed, take numbers too)
    assert stream[: len(waiting_before)] == waiting_before
    sequences = [sequence for sequence, _ in stream]
    assert sequences == sorted(set(sequences))
    assert [e["type"] for _, e in stream[len(waiting_before) :]][-2:] == ["ProgressEvent", "StopEvent"]
    assert_answered_well(requests, project_id)
