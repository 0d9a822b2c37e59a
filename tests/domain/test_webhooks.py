"""Webhooks of Extract v2 jobs: events on transitions, order, retries with backoff, the delivery log.

Two levels. The dispatcher alone (mockserver/domain/webhooks.py), driven step by step on a
virtual clock with an in-memory transport: nothing runs in the background, each delivery round
is awaited. Then the whole server in process with its background task, delivering to a real
HTTP receiver on localhost; the test moves the virtual clock and waits (bounded) for what the
receiver must get.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections import deque

import httpx
import pytest

from mockserver.app import create_app
from mockserver.config import Config
from mockserver.domain.clock import VirtualClock
from mockserver.domain.extract_v2 import ExtractV2Store
from mockserver.domain.files import FileStore
from mockserver.domain.ids import IdFactory
from mockserver.domain.jobs import JobEngine, Schedule
from mockserver.domain.store import StoreContext
from mockserver.domain.webhooks import BACKOFF, MAX_ATTEMPTS, WebhookDispatcher, signature
from mockserver.storage import Database
from tests.support import AUTH, WebhookReceiver

SCHEMA = {
    "type": "object",
    "required": ["vendor"],
    "properties": {"vendor": {"type": "string"}, "note": {"type": "string"}},
}
START = 1_700_000_000.0


# ------------------------------------------------------------------ the dispatcher alone
class Recorder:
    """An httpx transport answering each request with the next scripted status (then 200)."""

    def __init__(self, *statuses: int):
        self.statuses = deque(statuses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status = self.statuses.popleft() if self.statuses else 200
        if status == 0:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(status, json={})

    def events(self) -> list[str]:
        return [json.loads(r.content)["event_type"] for r in self.requests]


class World:
    def __init__(self, recorder: Recorder, db_path=None):
        self.db = Database(db_path)
        self.clock = VirtualClock(start=START)
        context = StoreContext(self.db, self.clock, IdFactory(2), "p")
        self.engine = JobEngine(context, Schedule.from_duration(10))
        self.files = FileStore(StoreContext(self.db, self.clock, IdFactory(1), "p"))
        self.webhooks = WebhookDispatcher(context, self.engine, transport=httpx.MockTransport(recorder))
        self.store = ExtractV2Store(context, self.files, self.engine, self.webhooks)

    def job(self, name="doc.txt", content=b"Vendor: Globex\n", **hook) -> dict:
        file = self.files.create(name, content, "p")
        config = {"webhook_url": "http://receiver.test/hook", "webhook_output_format": "json", **hook}
        return self.store.create(file["id"], {"data_schema": SCHEMA}, webhook_configurations=[config])

    def deliver(self) -> int:
        self.webhooks.sweep()
        return asyncio.run(self.webhooks.deliver_due())

    def advance(self, seconds: float) -> int:
        self.clock.advance(seconds)
        return self.deliver()


def test_one_event_per_transition_that_has_a_name_in_order():
    recorder = Recorder()
    world = World(recorder)
    job = world.job()
    assert world.deliver() == 1
    assert world.advance(5) == 0  # RUNNING: the API names no extract event for it
    assert world.advance(5) == 1
    assert world.deliver() == 0  # nothing twice
    assert recorder.events() == ["extract.pending", "extract.success"]
    pending, success = (json.loads(r.content) for r in recorder.requests)
    assert pending["data"]["status"] == "PENDING" and pending["data"]["extract_result"] is None
    assert success["data"]["status"] == "COMPLETED"
    assert success["data"]["extract_result"]["vendor"] == "Globex"
    assert success["data"]["extract_metadata"]["field_metadata"]["document_metadata"]["vendor"]["citation"] == [
        {"page": 1, "matching_text": "Vendor: Globex"}
    ]
    assert success["created_at"] == "2023-11-14T22:13:30.000000Z"  # the transition's instant: START + 10 s
    assert pending["created_at"] == "2023-11-14T22:13:20.000000Z"
    assert [d["status"] for d in world.webhooks.deliveries(job["id"])] == ["delivered", "delivered"]


def test_failures_are_retried_with_backoff_and_later_events_wait_their_turn():
    recorder = Recorder(500, 0)  # an error, then a refused connection, then 200s
    world = World(recorder)
    job = world.job()
    assert world.deliver() == 1
    (log,) = world.webhooks.deliveries(job["id"])
    assert log["status"] == "pending" and log["attempts"][0]["status_code"] == 500
    assert log["attempts"][0]["error"] == "the receiver answered HTTP 500"
    assert log["next_attempt_at"] == "2023-11-14T22:13:21.000000Z"  # 1 s later on the server's clock
    assert world.advance(0.5) == 0
    assert world.advance(0.5) == 1  # the second attempt: connection refused
    assert world.webhooks.deliveries(job["id"])[0]["attempts"][1] == {
        "at": "2023-11-14T22:13:21.000000Z",
        "status_code": None,
        "error": "ConnectError: connection refused",
    }
    assert world.advance(10) == 1  # the job completed meanwhile, but pending goes first
    assert world.deliver() == 1
    assert recorder.events() == ["extract.pending"] * 3 + ["extract.success"]
    assert len({json.loads(r.content)["event_id"] for r in recorder.requests[:3]}) == 1  # one event, retried
    assert [len(d["attempts"]) for d in world.webhooks.deliveries(job["id"])] == [3, 1]


def test_a_delivery_is_given_up_after_the_last_attempt():
    recorder = Recorder(*[503] * MAX_ATTEMPTS)
    world = World(recorder)
    job = world.job()
    world.deliver()
    for wait in BACKOFF:
        assert world.advance(wait - 0.001) == 0
        assert world.advance(0.001) == 1
    log, success = world.webhooks.deliveries(job["id"])  # the job completed at 10 s, meanwhile
    assert (log["status"], len(log["attempts"]), log["next_attempt_at"]) == ("failed", MAX_ATTEMPTS, None)
    assert (success["event_type"], success["status"], success["attempts"]) == ("extract.success", "pending", [])
    assert world.deliver() == 1  # the next event goes out once the first was given up, answered 200
    assert [d["status"] for d in world.webhooks.deliveries(job["id"])] == ["failed", "delivered"]


def test_events_can_be_filtered_and_are_strings_by_default():
    recorder = Recorder()
    world = World(recorder)
    world.job(webhook_events=["extract.success"], webhook_output_format=None, webhook_headers={"X-Token": "t"})
    world.deliver()
    world.advance(10)
    (request,) = recorder.requests
    body = json.loads(request.content)
    assert body["event_type"] == "extract.success"
    assert isinstance(body["data"], str) and json.loads(body["data"])["status"] == "COMPLETED"
    assert request.headers["x-token"] == "t" and request.headers["content-type"] == "application/json"
    assert "lc-signature" not in request.headers


def test_signed_deliveries_carry_an_hmac_of_the_body():
    recorder = Recorder()
    world = World(recorder)
    world.job(webhook_signing_secret="s3cret")
    world.deliver()
    (request,) = recorder.requests
    expected = "sha256=" + hmac.new(b"s3cret", request.content, hashlib.sha256).hexdigest()
    assert request.headers["lc-signature"] == expected == signature("s3cret", request.content)


def test_error_cancel_and_partial_events():
    recorder = Recorder()
    world = World(recorder)
    failed = world.job(name="llamacloud-mock:fail.txt")
    partial = world.job(content=b"Vendor: Globex\nllamacloud-mock:partial\n")
    cancelled = world.job()
    world.store.cancel(cancelled["id"])
    world.advance(10)
    by_job = {
        job["id"]: [d["event_type"] for d in world.webhooks.deliveries(job["id"])]
        for job in (failed, partial, cancelled)
    }
    assert by_job == {
        failed["id"]: ["extract.pending", "extract.error"],
        partial["id"]: ["extract.pending", "extract.partial_success"],
        cancelled["id"]: ["extract.pending", "extract.cancelled"],
    }
    error = world.webhooks.deliveries(failed["id"])[1]["payload"]["data"]
    assert error["status"] == "FAILED" and "llamacloud-mock:fail" in error["error_message"]
    partial_data = world.webhooks.deliveries(partial["id"])[1]["payload"]["data"]
    assert partial_data["extract_result"] == {"vendor": "Globex"}


def test_a_deleted_job_is_no_longer_watched():
    recorder = Recorder()
    world = World(recorder)
    job = world.job()
    world.deliver()
    world.store.delete(job["id"], force=True)
    assert world.advance(100) == 0
    assert recorder.events() == ["extract.pending"]
    assert world.webhooks.next_due() is None


def test_a_deleted_job_leaves_no_subscription_nor_delivery_behind():
    recorder = Recorder()
    world = World(recorder)
    for _ in range(20):
        job = world.job()
        world.advance(10)  # completed
        world.store.delete(job["id"])
    world.deliver()  # one event per (job, URL) a round: the last extract.success goes out after the delete
    assert len(recorder.requests) == 40
    assert dict(world.webhooks.subscriptions_table.documents()) == {}
    assert world.webhooks.deliveries() == []


def test_events_a_deleted_job_still_owes_are_sent_then_dropped():
    recorder = Recorder(500)
    world = World(recorder)
    job = world.job()
    world.deliver()  # extract.pending fails once: retried 1 s later
    world.store.cancel(job["id"])
    world.store.delete(job["id"])
    assert dict(world.webhooks.subscriptions_table.documents()) == {}
    assert [d["event_type"] for d in world.webhooks.deliveries()] == ["extract.pending", "extract.cancelled"]
    assert world.advance(1) == 1 and world.deliver() == 1
    assert recorder.events() == ["extract.pending", "extract.pending", "extract.cancelled"]
    assert world.webhooks.deliveries() == [] and world.webhooks.next_due() is None


def test_pending_deliveries_survive_a_restart(tmp_path):
    path = tmp_path / "state.json"
    first = World(Recorder(500), path)
    job = first.job()
    first.deliver()
    first.db.close()
    recorder = Recorder()
    second = World(recorder, path)
    second.clock.set(START + 1)
    assert second.deliver() == 1  # the retry of the pending event, then the job's own progress
    assert recorder.events() == ["extract.pending"]
    assert [len(d["attempts"]) for d in second.webhooks.deliveries(job["id"])] == [2]


# ------------------------------------------------------------------ the server, to a real receiver
def wait_until(predicate, timeout: float = 15.0) -> None:
    """Poll until ``predicate()`` holds; bounded, and generous: it only fails when something is wrong."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for a webhook delivery")
        time.sleep(0.01)


@pytest.fixture
def receiver():
    server = WebhookReceiver(500)  # the first attempt fails
    yield server
    server.close()


@pytest.fixture
def server():
    app = create_app(Config(validate_responses=True, virtual_clock=True, job_duration=10))
    with app.test_client(headers=AUTH) as client:
        yield app, client


def test_a_local_receiver_gets_every_event_in_order_and_the_retry(server, receiver):
    app, client = server
    file = client.post(
        "/api/v1/beta/files",
        data={"purpose": "extract"},
        files={"file": ("doc.txt", b"Vendor: Globex\n", "text/plain")},
    ).json()
    hook = {
        "webhook_url": receiver.url,
        "webhook_output_format": "json",
        "webhook_headers": {"X-Token": "t"},
        "webhook_signing_secret": "s3cret",
    }
    job = client.post(
        "/api/v2/extract",
        json={"file_input": file["id"], "configuration": {"data_schema": SCHEMA}, "webhook_configurations": [hook]},
    ).json()
    log = app.state.webhooks.deliveries

    wait_until(lambda: log(job["id"]) and log(job["id"])[0]["attempts"])
    assert [r["status"] for r in receiver.requests] == [500]
    (pending,) = log(job["id"])
    assert pending["status"] == "pending" and pending["attempts"][0]["status_code"] == 500

    client.post("/_mock/clock/advance", json={"seconds": 10})  # the retry is due, and the job completes
    wait_until(lambda: len(receiver.requests) == 3 and all(d["status"] == "delivered" for d in log(job["id"])))
    assert [(r["body"]["event_type"], r["status"]) for r in receiver.requests] == [
        ("extract.pending", 500),
        ("extract.pending", 200),
        ("extract.success", 200),
    ]
    first, retry, success = receiver.requests
    assert first["body"] == retry["body"]  # the same event, sent again
    assert success["body"]["data"]["status"] == "COMPLETED"
    assert success["body"]["data"]["extract_result"]["vendor"] == "Globex"
    for request in receiver.requests:
        assert request["headers"]["x-token"] == "t"
        assert request["headers"]["lc-signature"] == signature("s3cret", request["raw"])
    assert [[a["status_code"] for a in d["attempts"]] for d in log(job["id"])] == [[500, 200], [200]]


def test_a_cancel_is_delivered_on_the_request_that_caused_it(server):
    app, client = server
    receiver = WebhookReceiver()
    try:
        file = client.post(
            "/api/v1/beta/files", data={"purpose": "extract"}, files={"file": ("doc.txt", b"x", "text/plain")}
        ).json()
        job = client.post(
            "/api/v2/extract",
            json={
                "file_input": file["id"],
                "configuration": {"data_schema": SCHEMA},
                "webhook_configurations": [{"webhook_url": receiver.url, "webhook_events": ["extract.cancelled"]}],
            },
        ).json()
        client.post(f"/api/v2/extract/{job['id']}/cancel")  # the clock does not move: the request is what counts
        wait_until(lambda: len(receiver.requests) == 1)
        body = receiver.requests[0]["body"]
        assert body["event_type"] == "extract.cancelled" and json.loads(body["data"])["status"] == "CANCELLED"
    finally:
        receiver.close()


def test_without_its_lifespan_the_app_delivers_on_the_request_that_noticed():
    """In-process transports serve the app without its lifespan, so with no background task."""
    app = create_app(Config(validate_responses=True, virtual_clock=True, job_duration=0))
    recorder = Recorder(500)
    app.state.webhooks.transport = httpx.MockTransport(recorder)

    async def scenario() -> dict:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://fake", headers=AUTH) as http:
            upload = await http.post(
                "/api/v1/beta/files", data={"purpose": "extract"}, files={"file": ("a.txt", b"Vendor: X\n")}
            )
            hook = {"webhook_url": "http://receiver.test/hook"}
            body = {"file_input": upload.json()["id"], "configuration": {"data_schema": SCHEMA}}
            job = (await http.post("/api/v2/extract", json={**body, "webhook_configurations": [hook]})).json()
            assert recorder.events() == ["extract.pending"]  # answered 500: its retry is due in 1 s
            app.state.clock.advance(1)
            await http.get(f"/api/v2/extract/{job['id']}")
            return job

    job = asyncio.run(scenario())
    app.state.close()
    assert job["status"] == "COMPLETED"  # done when created: pending, then success
    assert recorder.events() == ["extract.pending", "extract.pending", "extract.success"]
