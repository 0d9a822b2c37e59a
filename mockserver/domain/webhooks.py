"""Webhooks: an event POSTed to each configured URL on every state transition of a job.

A job created with ``webhook_configurations`` is *watched* (TinyDB table
``webhook_subscriptions``, one document per job: its kind, its configurations and how many
entries of its lifecycle history have been turned into events). Job states are computed lazily
(mockserver/domain/jobs.py), so transitions are *noticed*, never pushed:

* when the job is read, cancelled or deleted through the API (``notice``: delivery on read), and
* by one background task (``running()``, started in the app's lifespan) that sleeps until the
  next instant something is due on the server's clock: a watched job leaving its state, or a
  delivery's next attempt. (Served without its lifespan, as in-process test transports do, the
  app has no such task: the API request that noticed a transition delivers what is due itself,
  ``deliver_unattended``.) A virtual clock that is frozen never makes it sleep on a timer: it
  wakes when the clock is moved (``Clock.add_listener``) or a request pokes it, so with
  ``--virtual-clock`` deliveries happen exactly when the test advances the clock.

Each history entry whose state has an event name becomes one event (its ``event_id`` derived
from the job id and the entry, so noticing twice never sends twice) and one delivery per
configuration subscribed to it (``webhook_events``; null means all). Deliveries (table
``webhook_deliveries``, the delivery log) go out in order per (job, URL): the next event waits
until the previous one was delivered or given up. An attempt succeeds on any 2xx; otherwise it is
retried 1, 2, 4 then 8 seconds of the server's clock after it started (5 attempts in all), then
marked ``failed``. Each attempt is logged (``at``, ``status_code``, ``error``). A restart resumes the
pending deliveries (at least once: an attempt cut short by a crash is made again). Deleting a job
(``forget``) drops its subscription and its finished deliveries; the events it still owed go out
and then leave the log too, so the log holds the deliveries of existing jobs only.

The request: ``POST <webhook_url>`` with ``Content-Type: application/json``, the configuration's
``webhook_headers``, ``LC-Signature: sha256=<hex>`` (HMAC-SHA256 of the raw body) when it has a
``webhook_signing_secret``, and the body
``{"event_id", "event_type", "created_at" (the transition's instant), "data"}`` where ``data`` is
the job as of the transition: an object with ``webhook_output_format: "json"``, the same object
as a JSON string otherwise ("string" is the documented default).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from tinydb.table import Document

from mockserver import __version__, jsonio
from mockserver.domain.clock import format_epoch
from mockserver.domain.errors import NotFound
from mockserver.domain.jobs import JobEngine, JobStatus
from mockserver.domain.store import Store, StoreContext

log = logging.getLogger("llamacloud_mock.webhooks")

MAX_ATTEMPTS = 5
BACKOFF = (1.0, 2.0, 4.0, 8.0)  # seconds of the server's clock before attempts 2, 3, 4 and 5
ATTEMPT_TIMEOUT = 10.0  # wall seconds one attempt may take
MAX_SLEEP = 60.0  # wall seconds the background task sleeps at most between two looks
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
_NAMESPACE = uuid.UUID("6f3c1a52-6b0e-4d0c-9a35-2a1c9d7b4e10")  # event and delivery ids


def signature(secret: str, body: bytes) -> str:
    """The ``LC-Signature`` header of a body signed with ``secret``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class JobKind:
    """How to turn one kind of job's transitions into events."""

    events: Mapping[str, str | None]  # lifecycle state -> event name (None: no event)
    render: Callable[[str, JobStatus], dict[str, Any]]  # (job id, status as of the transition) -> data


class WebhookDispatcher(Store):
    SUBSCRIPTIONS = "webhook_subscriptions"
    DELIVERIES = "webhook_deliveries"

    def __init__(self, context: StoreContext, engine: JobEngine, transport: httpx.AsyncBaseTransport | None = None):
        self.subscriptions_table = context.db.table(self.SUBSCRIPTIONS)
        self.deliveries_table = context.db.table(self.DELIVERIES)
        self.clock = context.clock
        self.engine = engine
        self._subscriptions = self.subscriptions_table.documents()
        self._deliveries = self.deliveries_table.documents()
        self._kinds: dict[str, JobKind] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._client: httpx.AsyncClient | None = None
        self.transport = transport  # tests: an httpx transport instead of the network
        add_listener = getattr(self.clock, "add_listener", None)
        if add_listener is not None:
            add_listener(self.poke)

    def register(self, kind: str, events: Mapping[str, str | None], render: Callable[[str, JobStatus], dict]) -> None:
        self._kinds[kind] = JobKind(events, render)

    # ------------------------------------------------------------------ watching jobs
    def watch(self, job_id: str, kind: str, configurations: list[dict[str, Any]]) -> None:
        """Send this new job's transitions to the configurations that have a URL."""
        targets = [dict(c) for c in configurations if c.get("webhook_url")]
        if not targets:
            return
        record = {"id": job_id, "kind": kind, "configurations": targets, "notified": 0, "done": False}
        self.subscriptions_table.insert(Document(record, doc_id=job_id))
        self.notice(job_id)

    def notice(self, job_id: str) -> None:
        """Turn the job's new transitions into deliveries now, and have them sent (delivery on read)."""
        subscription = self._subscriptions.get(job_id)
        if subscription is not None and not subscription["done"]:
            self._sweep(subscription)
            self.poke()

    def forget(self, job_id: str) -> None:
        """The job was deleted: drop its subscription and its finished deliveries. Its pending
        deliveries still go out (events it owed, such as ``extract.cancelled`` before a delete),
        and leave the log once delivered or given up, so a deleted job leaves nothing behind."""
        if job_id not in self._subscriptions:
            return  # never watched: nothing to drop (deliveries exist only for watched jobs)
        self.subscriptions_table.remove(doc_ids=[job_id])
        finished = [d["id"] for d in self._deliveries.values() if d["job_id"] == job_id and d["status"] != PENDING]
        if finished:
            self.deliveries_table.remove(doc_ids=finished)

    def sweep(self) -> None:
        """Notice the transitions of every watched job."""
        for subscription in [s for s in self._subscriptions.values() if not s["done"]]:
            self._sweep(subscription)

    def _sweep(self, subscription: dict[str, Any]) -> None:
        job_id = subscription["id"]
        kind = self._kinds.get(subscription["kind"])
        if kind is None:
            return
        try:
            status = self.engine.read(job_id)
            history = status.history
            for index in range(subscription["notified"], len(history)):
                state, at = history[index]
                event = kind.events.get(state)
                if event is not None:
                    last = index == len(history) - 1
                    as_of = JobStatus(state, status.error if last else None, history[: index + 1], False)
                    self._enqueue(subscription, event, index, at, kind.render(job_id, as_of))
        except NotFound:  # the job was deleted: nothing more will happen to it
            self.forget(job_id)
            return
        self.subscriptions_table.update({"notified": len(history), "done": status.terminal}, doc_ids=[job_id])

    def _enqueue(self, subscription: dict, event: str, index: int, at: float, data: dict) -> None:
        job_id = subscription["id"]
        event_id = str(uuid.uuid5(_NAMESPACE, f"{job_id}/{index}"))
        now = self.clock.time()
        for number, config in enumerate(subscription["configurations"]):
            wanted = config.get("webhook_events")
            if wanted is not None and event not in wanted:
                continue
            as_json = config.get("webhook_output_format") == "json"
            payload = {
                "event_id": event_id,
                "event_type": event,
                "created_at": format_epoch(at),
                "data": data if as_json else jsonio.dumps(data).decode(),
            }
            body = jsonio.dumps(payload)
            headers = {
                **(config.get("webhook_headers") or {}),
                "content-type": "application/json",
                "user-agent": f"llamacloud-mock/{__version__} (webhooks)",
            }
            if config.get("webhook_signing_secret"):
                headers["lc-signature"] = signature(config["webhook_signing_secret"], body)
            delivery_id = str(uuid.uuid5(_NAMESPACE, f"{job_id}/{index}/{number}"))
            if delivery_id in self._deliveries:
                continue
            record = {
                "id": delivery_id,
                "job_id": job_id,
                "event_id": event_id,
                "event_type": event,
                "url": config["webhook_url"],
                "headers": headers,
                "body": body.decode(),
                "status": PENDING,
                "attempts": [],
                "next_attempt_at": now,
                "created_at": format_epoch(now),
            }
            self.deliveries_table.insert(Document(record, doc_id=delivery_id))

    # ------------------------------------------------------------------ the delivery log
    def deliveries(self, job_id: str | None = None) -> list[dict[str, Any]]:
        """The delivery log, oldest first: one entry per (event, URL), with its attempts."""
        return [
            {
                **{k: v for k, v in record.items() if k not in ("body", "next_attempt_at")},
                "payload": jsonio.loads(record["body"]),
                "next_attempt_at": format_epoch(record["next_attempt_at"]) if record["status"] == PENDING else None,
            }
            for record in list(self._deliveries.values())
            if job_id is None or record["job_id"] == job_id
        ]

    # ------------------------------------------------------------------ sending
    def _heads(self) -> list[dict[str, Any]]:
        """The oldest pending delivery of each (job, URL): the only one that may be attempted."""
        heads: dict[tuple[str, str], dict] = {}
        for record in self._deliveries.values():
            if record["status"] == PENDING:
                heads.setdefault((record["job_id"], record["url"]), record)
        return list(heads.values())

    async def deliver_due(self) -> int:
        """Attempt every delivery that is due now; how many were attempted."""
        now = self.clock.time()
        due = [record["id"] for record in self._heads() if record["next_attempt_at"] <= now]
        if due:
            await asyncio.gather(*(self._attempt(delivery_id) for delivery_id in due))
        return len(due)

    def _new_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=ATTEMPT_TIMEOUT, trust_env=False, transport=self.transport)

    async def _attempt(self, delivery_id: str) -> None:
        record = self._deliveries.get(delivery_id)
        if record is None or record["status"] != PENDING:
            return
        if self._client is None and self._loop is not None:  # running: one client, made for the first delivery
            self._client = self._new_client()  # (not at start-up: its TLS context and httpcore take 0.05 s)
        client = self._client or self._new_client()
        code, error = None, None
        started = self.clock.time()  # backoff counts from the attempt's start: a clock moved meanwhile counts
        try:
            response = await client.post(record["url"], content=record["body"].encode(), headers=record["headers"])
            code = response.status_code
            if not 200 <= code < 300:
                error = f"the receiver answered HTTP {code}"
        except Exception as e:  # any failure to deliver is retried: refused, timed out, bad URL
            error = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
        finally:
            if client is not self._client:
                await client.aclose()
        record = self._deliveries.get(delivery_id)
        if record is None:  # the state was reset meanwhile
            return
        attempts = [*record["attempts"], {"at": format_epoch(started), "status_code": code, "error": error}]
        changes: dict[str, Any] = {"attempts": attempts}
        if error is None:
            changes["status"] = DELIVERED
        elif len(attempts) >= MAX_ATTEMPTS:
            changes["status"] = FAILED
            log.warning(
                "webhook %s to %s given up after %d attempts: %s",
                record["event_type"],
                record["url"],
                len(attempts),
                error,
            )
        else:
            changes["next_attempt_at"] = started + BACKOFF[len(attempts) - 1]
        if "status" in changes and record["job_id"] not in self._subscriptions:
            self.deliveries_table.remove(doc_ids=[delivery_id])  # its job was deleted: forget it now
        else:
            self.deliveries_table.update(changes, doc_ids=[delivery_id])

    async def deliver_unattended(self) -> None:
        """Deliver what is due now when no background task does (an app served without its
        lifespan, as in-process test transports serve it): the request that noticed a transition
        sends its events before it answers. Retries then wait for a later request."""
        if self._loop is None:
            while await self.deliver_due():
                pass

    def next_due(self) -> float | None:
        """The earliest instant of the server's clock at which something is due, if any."""
        dues = [record["next_attempt_at"] for record in self._heads()]
        for subscription in [s for s in self._subscriptions.values() if not s["done"]]:
            try:
                due = self.engine.due_at(subscription["id"])
            except NotFound:
                due = self.clock.time()  # deleted: the next sweep closes the subscription
            if due is not None:
                dues.append(due)
        return min(dues) if dues else None

    def _sleep_for(self) -> float | None:
        """Wall seconds to sleep before the next look; None: until poked."""
        due = self.next_due()
        if due is None:
            return None
        now = self.clock.time()
        if due <= now:
            return 0
        if getattr(self.clock, "frozen", False):
            return None  # a frozen clock moves only by hand, and moving it pokes us
        return min(due - now, MAX_SLEEP)

    # ------------------------------------------------------------------ the background task
    def poke(self) -> None:
        """Have the background task look again now (safe from any thread, harmless without it)."""
        loop, wake = self._loop, self._wake
        if loop is None or wake is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop is closing
            loop.call_soon_threadsafe(wake.set)

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            self._wake.clear()
            try:
                self.sweep()
                await self.deliver_due()
                delay = self._sleep_for()
            except Exception:
                log.exception("webhook delivery failed unexpectedly; trying again in a second")
                delay = 1.0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)

    @contextlib.asynccontextmanager
    async def running(self):
        """Deliver in the background while the block runs (the app's lifespan)."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        task = asyncio.create_task(self._run(), name="llamacloud-mock webhooks")
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            if self._client is not None:
                await self._client.aclose()
            self._loop = self._wake = self._client = None
