"""Issue 16: the workflow server fake against the real one (``llama-agents-server`` 0.8.0 under the
appserver, as ``llamactl serve`` runs it with its memory store, from .venvs/agents), both serving
the deployment ``wfbench`` (bench/workflows/: the scenario for the fake, Python workflows doing the
same for the real server, neither with a wait).

* synchronous runs of ``echo`` under wrk, 16 connections and one, in rounds taken in turns
  (fake, real, fake, real...) so that the load of the machine falls on both alike;
* full human-in-the-loop runs of ``hitl`` (run-nowait, stream, answer, stream to its end) from
  16 client threads, in the same paired rounds;
* then on the fake alone: ``GET /handlers`` holding 10,000 ended handlers (the fake runs with
  ``--max-ended-handlers 10000``, so the echo rounds fill it to exactly that), the memory they take,
  and 500 SSE streams of ``relay`` held open at once, every event checked in order, each ``Tick``
  timed from the answer that causes it to its arrival at the client.
"""

from __future__ import annotations

import asyncio
import http.client
import math
import statistics
import threading
from pathlib import Path

import orjson

from bench import wrk
from bench.server import HOST, ROOT, Server
from bench.stats import now
from bench.workflow_server import AGENTS_PYTHON

HERE = Path(__file__).resolve().parent / "workflows"
SCENARIO = HERE / "wfbench.yaml"
REAL_APP = HERE / "real_app"
SUITES_APP = ROOT / "tests" / "workflows" / "real_app"  # the workflows wfbench serves are the client suites'
BASE = "/deployments/wfbench"
ECHO_BODY = '{"start_event": {"text": "hi"}}'
ROUNDS = 3  # paired rounds per figure
ROUND_SECONDS = 2
CLIENTS = 16
ENDED_HANDLERS = 10_000
HANDLERS_GETS = 21
STREAMS = 500
RELAY_ROUNDS = 4  # as many ask/emit pairs as bench/workflows/wfbench.yaml's relay has
POSTS_IN_FLIGHT = 8  # answers posted at once while the streams are read


class FakeWorkflows(Server):
    """The fake serving the bench scenario, keeping exactly ENDED_HANDLERS ended handlers."""

    def __init__(self, workdir: Path):
        args = ("--workflows", str(SCENARIO), "--max-ended-handlers", str(ENDED_HANDLERS))
        super().__init__(workdir, name="fake-workflows", args=args)


class RealWorkflows(Server):
    """The real appserver serving bench/workflows/real_app with its memory store."""

    cwd = REAL_APP

    def command(self) -> list[str]:
        return [str(AGENTS_PYTHON), "-m", "llama_agents.appserver.app", "--deployment-file", "pyproject.toml"]

    def environment(self) -> dict[str, str]:
        env = {
            **super().environment(),
            "LLAMA_DEPLOY_APISERVER_HOST": HOST,
            "LLAMA_DEPLOY_APISERVER_PORT": str(self.port),
            "LLAMA_DEPLOY_APISERVER_PERSISTENCE": "memory",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(SUITES_APP),
        }
        env.pop("LLAMA_CLOUD_API_KEY", None)  # with a key it would persist in the cloud
        return env


def _call(connection: http.client.HTTPConnection, method: str, path: str, body: dict | None = None) -> tuple:
    connection.request(
        method, path, orjson.dumps(body) if body is not None else None, {"Content-Type": "application/json"}
    )
    response = connection.getresponse()
    return response.status, response.read()


def hitl_flow(api: http.client.HTTPConnection, stream: http.client.HTTPConnection) -> None:
    """One full run of ``hitl``: run-nowait, its event stream (NDJSON from the first event) read up to
    the question, the answer posted, the stream read to its end; raises unless it completed."""
    status, body = _call(api, "POST", f"{BASE}/workflows/hitl/run-nowait", {"start_event": {"name": "ada"}})
    if status != 200:
        raise RuntimeError(f"run-nowait answered {status}: {body[:200]!r}")
    handler_id = orjson.loads(body)["handler_id"]
    stream.request("GET", f"{BASE}/events/{handler_id}?sse=false&after_sequence=-1")
    events = stream.getresponse()
    types = []
    while line := events.readline():
        if not line.strip():
            continue
        types.append(orjson.loads(line)["type"])
        if types[-1] == "AskEvent":
            status, body = _call(
                api,
                "POST",
                f"{BASE}/events/{handler_id}",
                {"event": {"type": "AnswerEvent", "value": {"response": "yes"}}},
            )
            if status != 200:
                raise RuntimeError(f"the answer got {status}: {body[:200]!r}")
    if types[-1:] != ["StopEvent"] or "AskEvent" not in types:
        raise RuntimeError(f"the run's stream was {types}")


def hitl_round(port: int, seconds: float) -> int:
    """Flows completed by CLIENTS threads, each running flows back to back for ``seconds``."""
    done = [0] * CLIENTS
    errors: list[BaseException] = []
    deadline = now() + seconds

    def client(i: int) -> None:
        api = http.client.HTTPConnection(HOST, port, timeout=60)
        stream = http.client.HTTPConnection(HOST, port, timeout=60)
        try:
            while now() < deadline:
                hitl_flow(api, stream)
                done[i] += 1
        except BaseException as e:  # noqa: BLE001 - reported by the caller
            errors.append(e)
        finally:
            api.close()
            stream.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"a human-in-the-loop run failed: {errors[0]}")
    return sum(done)


def _echo(server: Server, connections: int, seconds: int) -> wrk.Run:
    url = f"{server.url}{BASE}/workflows/echo/run"
    return wrk.run(url, connections, seconds, {"BENCH_METHOD": "POST", "BENCH_BODY": ECHO_BODY})


def _in_turns(servers: dict[str, Server], measure) -> dict[str, list]:
    """ROUNDS of ``measure(server)`` on each server in turn, so that both meet the same load."""
    results: dict[str, list] = {name: [] for name in servers}
    for _ in range(ROUNDS):
        for name, server in servers.items():
            results[name].append(measure(server))
    return results


def fake_against_real(workdir: Path, progress) -> dict:
    figures: dict = {}
    with FakeWorkflows(workdir) as fake, RealWorkflows(workdir, name="real-workflows") as real:
        servers = {"fake": fake, "real": real}
        for server in servers.values():  # warm-up: imports, first connections
            _echo(server, CLIENTS, 1)
            hitl_round(server.port, 0.5)
        figures["fake_rss_warm_mb"] = fake.memory()["rss_mb"]
        progress("echo runs at 16 connections")
        c16 = _in_turns(servers, lambda s: _echo(s, CLIENTS, ROUND_SECONDS))
        progress("echo runs one at a time")
        c1 = _in_turns(servers, lambda s: _echo(s, 1, ROUND_SECONDS))
        progress("human-in-the-loop runs at 16 clients")
        flows = _in_turns(servers, lambda s: hitl_round(s.port, ROUND_SECONDS) / ROUND_SECONDS)
        figures["echo_c16"] = {name: wrk.merge(runs) for name, runs in c16.items()}
        figures["echo_c1"] = {name: wrk.merge(runs) for name, runs in c1.items()}
        figures["hitl_flows_per_s"] = flows
        real.stop()  # the rest is the fake's alone
        progress(f"GET /handlers with {ENDED_HANDLERS:,} ended handlers")
        figures["handlers"] = handlers_list(fake)
        figures["fake_rss_ended_mb"] = fake.memory()["rss_mb"]
        progress(f"{STREAMS} SSE streams held open")
        figures["streams"] = asyncio.run(held_streams(fake))
    return figures


def handlers_list(fake: Server) -> dict:
    """GET /handlers timed with exactly ENDED_HANDLERS ended handlers held (echo runs added if the
    rounds left fewer)."""
    client = fake.http
    while True:
        status, body = client.request("GET", f"{BASE}/handlers")
        handlers = orjson.loads(body)["handlers"]
        if len(handlers) >= ENDED_HANDLERS:
            break
        for _ in range(ENDED_HANDLERS - len(handlers)):
            client.post(f"{BASE}/workflows/echo/run", {"start_event": {"text": "hi"}})
    if len(handlers) != ENDED_HANDLERS or any(h["status"] != "completed" for h in handlers):
        raise RuntimeError(f"GET /handlers held {len(handlers)} handlers, not {ENDED_HANDLERS:,} completed")
    times = []
    for _ in range(HANDLERS_GETS):
        started = now()
        status, body = client.request("GET", f"{BASE}/handlers")
        times.append((now() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"GET /handlers answered {status}")
    return {"median_ms": statistics.median(times), "max_ms": max(times), "bytes": len(body), "gets": len(times)}


async def _request(port: int, method: str, path: str, body: bytes = b"") -> tuple[asyncio.StreamReader, int, object]:
    """A request on a new connection (raw asyncio: an HTTP client library's own CPU would be timed
    into the latencies, on a machine whose 2 cores the server shares): the reader after the headers, the
    status, and the writer (kept by the caller: its collection closes the connection)."""
    reader, writer = await asyncio.open_connection(HOST, port)
    head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n"
    writer.write(head.encode() + b"Content-Type: application/json\r\n\r\n" + body)
    status = int((await reader.readline()).split()[1])
    while (await reader.readline()).strip():
        pass
    return reader, status, writer


async def _read_stream(port: int, path: str, log: list, opened: asyncio.Event) -> None:
    """Read one SSE stream (chunked) to its end: (id, type, value, arrival) per event into ``log``."""
    reader, status, writer = await _request(port, "GET", path)
    if status != 200:
        raise RuntimeError(f"the stream answered {status}")
    opened.set()
    pending = b""
    while size := int((await reader.readline()).strip() or b"0", 16):
        pending += (await reader.readexactly(size + 2))[:-2]
        arrived = now()
        *frames, pending = pending.split(b"\n\n")
        for frame in frames:
            fields = dict(line.split(b": ", 1) for line in frame.split(b"\n") if not line.startswith(b":"))
            if b"data" in fields:
                event = orjson.loads(fields[b"data"])
                log.append((int(fields[b"id"]), event["type"], event["value"], arrived))
    writer.close()


async def _post(port: int, path: str, body: dict) -> bytes:
    reader, status, writer = await _request(port, "POST", path, orjson.dumps(body))
    answer = await reader.read()
    writer.close()
    if status != 200:
        raise RuntimeError(f"POST {path} answered {status}: {answer[:200]!r}")
    return answer


def _check_order(log: list) -> None:
    """Every event of the run, internal ones included, in order: ids 0, 1, 2... with no gap, and among
    them AskEvent n / Tick n for each round, then the StopEvent."""
    rounds = range(1, RELAY_ROUNDS + 1)
    expected = [step for n in rounds for step in (("AskEvent", n), ("Tick", n))] + [("StopEvent", None)]
    ids = [sequence for sequence, *_ in log]
    got = [(kind, value.get("n")) for _, kind, value, _ in log if kind in ("AskEvent", "Tick", "StopEvent")]
    if ids != list(range(len(ids))) or got != expected:
        raise RuntimeError(f"a stream's events were out of order or missing: {[(i, k) for i, k, *_ in log]}")


async def held_streams(fake: Server) -> dict:
    """STREAMS relay handlers, one SSE stream each held open at once; RELAY_ROUNDS rounds of answers,
    each Tick timed from its answer's sending to its arrival."""
    port = fake.port
    ids = []
    for _ in range(STREAMS):
        answer = await _post(port, f"{BASE}/workflows/relay/run-nowait", {"start_event": {}})
        ids.append(orjson.loads(answer)["handler_id"])
    before = fake.memory()["rss_mb"]
    logs = {h: [] for h in ids}
    opened = {h: asyncio.Event() for h in ids}
    everything = "after_sequence=-1&include_internal=true"  # from the first event, internal ones too
    readers = [
        asyncio.create_task(_read_stream(port, f"{BASE}/events/{h}?{everything}", logs[h], opened[h])) for h in ids
    ]
    await asyncio.wait_for(asyncio.gather(*(e.wait() for e in opened.values())), 60)
    held = fake.memory()["rss_mb"]
    gate = asyncio.Semaphore(POSTS_IN_FLIGHT)
    sent: dict[tuple[str, int], float] = {}

    async def answer(h: str, n: int) -> None:
        async with gate:
            sent[h, n] = now()
            await _post(port, f"{BASE}/events/{h}", {"event": {"type": "Go", "value": {}}})

    for n in range(1, RELAY_ROUNDS + 1):
        while not all(any(kind == "AskEvent" and value["n"] == n for _, kind, value, _ in logs[h]) for h in ids):
            await asyncio.sleep(0.01)
        await asyncio.gather(*(answer(h, n) for h in ids))
    await asyncio.wait_for(asyncio.gather(*readers), 60)
    latencies = []
    for h, log in logs.items():
        _check_order(log)
        latencies += [(arrived - sent[h, value["n"]]) * 1000 for _, kind, value, arrived in log if kind == "Tick"]
    latencies.sort()
    return {
        "streams": STREAMS,
        "events": sum(len(log) for log in logs.values()),
        "ticks": len(latencies),
        "p50_ms": latencies[len(latencies) // 2],
        "p99_ms": latencies[math.ceil(len(latencies) * 0.99) - 1],
        "max_ms": latencies[-1],
        "rss_before_mb": before,
        "rss_held_mb": held,
        "rss_per_stream_kb": (held - before) * 1024 / STREAMS,
    }
