"""Throughput and latency against Prism: five operations, wrk at 1 and 16 connections.

Three servers run side by side, each on its own port:

* the fake with its default options (state, request validation, the request journal; no
  response validation), in memory, seeded by ``--seed-file`` with 1,000 records in one
  collection, an extraction agent and a file, plus one job created over HTTP;
* the same fake with ``--validate-responses`` (the switch's cost);
* Prism (``prism mock``, pinned, bench/prism_server.py), one process per spec: the fake's own
  wire-format specs, openapi/agent_data.yaml and openapi/extraction_v1.yaml.

For each operation: a warm-up of each server at 16 connections (not counted), then ``seconds``
at 1 connection (one request at a time: the latency) and ``seconds`` at 16 (the throughput),
each in rounds of one second per server, the servers taking turns (the fake, Prism, the fake
with response validation, rotated each round), so that other work on the machine hits all of
them alike; a server's rounds are merged (requests and times added, latency histograms merged),
and each round's requests/s is kept: bench/suite.py compares two servers round by round (the
median of the ratios of their paired rounds), which cancels the machine's changes of speed.
Each server's answer to each operation is checked once before the load (status and, for the
fake, content), and during the load every answer must be a 2xx.

Creates go to a collection of their own ("created"), so the searched collection keeps its
1,000 records; create-job adds jobs (an extraction job cannot be deleted).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson

from bench import wrk
from bench.dataset import COLLECTION, DEPLOYMENT
from bench.prism_server import Prism, installed_version
from bench.search import FILTERED_SORTED
from bench.server import ROOT, Server

SEARCH_RECORDS = 1_000
AGENT_ID = "bench-agent-0000-4000-8000-000000000001"
FILE_ID = "bench-file-00000-4000-8000-000000000001"
AGENT_SCHEMA = {
    "type": "object",
    "properties": {"invoice_number": {"type": "string"}, "total": {"type": "number"}},
}
SPECS = {"agent_data": ROOT / "openapi" / "agent_data.yaml", "extraction_v1": ROOT / "openapi" / "extraction_v1.yaml"}
LOW, HIGH = 1, 16  # connections
ROUND_S = 1  # each server's turn


@dataclass(frozen=True)
class Operation:
    name: str
    spec: str  # the key in SPECS: which Prism serves it
    method: str
    path: str  # with {record_id} / {job_id}
    body: dict | None = None
    check: Callable[[dict, dict], str] | None = None  # (answer, ids) -> problem ('' when right); the fake only


def _check_record(answer: dict, ids: dict) -> str:
    return "" if answer.get("id") == ids["record_id"] else f"not the record {ids['record_id']}"


def _check_created(answer: dict, ids: dict) -> str:
    return "" if answer.get("id") and answer.get("collection") == "created" else "no created record"


def _check_search(answer: dict, ids: dict) -> str:
    items = answer.get("items", [])
    ages = [r["data"]["age"] for r in items]
    if len(items) != FILTERED_SORTED["page_size"]:
        return f"expected a full page, got {len(items)} items"
    if not all(r["data"]["status"] == "active" and r["data"]["age"] >= 30 for r in items):
        return "filter not applied"
    return "" if ages == sorted(ages, reverse=True) else "not sorted by data.age desc"


def _check_job(answer: dict, ids: dict) -> str:
    return "" if answer.get("id") and answer.get("file_id") == FILE_ID else "not a job on the bench file"


CREATE_BODY = {
    "deployment_name": DEPLOYMENT,
    "collection": "created",
    "data": {
        "name": "user-999999",
        "age": 42,
        "status": "active",
        "tags": ["red", "vip"],
        "address": {"city": "Oslo", "zip": "10001"},
        "score": 57.5,
        "verified": True,
    },
}
OPERATIONS = (
    Operation("get-record", "agent_data", "GET", "/api/v1/beta/agent-data/{record_id}", None, _check_record),
    Operation("create-record", "agent_data", "POST", "/api/v1/beta/agent-data", CREATE_BODY, _check_created),
    Operation("search", "agent_data", "POST", "/api/v1/beta/agent-data/:search", {**FILTERED_SORTED}, _check_search),
    Operation("get-job", "extraction_v1", "GET", "/api/v1/extraction/jobs/{job_id}", None, _check_job),
    Operation(
        "create-job",
        "extraction_v1",
        "POST",
        "/api/v1/extraction/jobs",
        {"extraction_agent_id": AGENT_ID, "file_id": FILE_ID},
        _check_job,
    ),
)


def fixture(records: dict[str, dict], count: int = SEARCH_RECORDS) -> dict:
    """The --seed-file of the fake: ``count`` records of the bench collection, an agent and a file."""
    items = [r for r in records.values() if r["collection"] == COLLECTION][:count]
    return {
        "files": [{"id": FILE_ID, "name": "invoice.txt", "content": "Invoice Number: INV-7\nTotal: 1250.00\n"}],
        "extraction_agents": [{"id": AGENT_ID, "name": "bench-invoices", "data_schema": AGENT_SCHEMA}],
        "agent_data": [
            {"id": r["id"], "deployment_name": r["deployment_name"], "collection": r["collection"], "data": r["data"]}
            for r in items
        ],
    }


def write_fixture(document: dict, path: Path) -> Path:
    path.write_bytes(orjson.dumps(document))
    return path


def create_job(server: Server) -> str:
    status, answer = server.http.post("/api/v1/extraction/jobs", {"extraction_agent_id": AGENT_ID, "file_id": FILE_ID})
    if status != 200:
        raise RuntimeError(f"create-job answered {status}: {answer[:300]!r}")
    return orjson.loads(answer)["id"]


def _request(server: Server, op: Operation, ids: dict) -> tuple[int, bytes]:
    return server.http.request(op.method, op.path.format(**ids), op.body)


def check_once(server: Server, op: Operation, ids: dict, fake: bool) -> None:
    """One request before the load: a 2xx, and for the fake the right content."""
    status, answer = _request(server, op, ids)
    if not 200 <= status < 300:
        raise RuntimeError(f"{server.log.stem}: {op.name} answered {status}: {answer[:300]!r}")
    if fake and op.check:
        problem = op.check(orjson.loads(answer), ids)
        if problem:
            raise RuntimeError(f"{server.log.stem}: {op.name}: wrong answer: {problem}")


def measure(
    urls: dict[str, str], op: Operation, rounds: int, warmup: int, cpu: dict[str, Callable[[], float]] | None = None
) -> dict[str, dict[str, wrk.Run]]:
    """Per server, {"c1": Run, "c16": Run}: a warm-up each, then at each number of connections
    ``rounds`` rounds of one second per server, the servers in turn (rotated each round), merged.
    ``cpu``: per server, how to read its process's CPU seconds; each round then records the CPU
    time per request (extra "cpu_us"), what a request costs the server whatever else runs."""
    env = {"BENCH_METHOD": op.method, "BENCH_BODY": orjson.dumps(op.body).decode() if op.body else ""}
    names = list(urls)
    if warmup:
        for name in names:
            wrk.run(urls[name], HIGH, warmup, env)
    figures: dict[str, dict[str, wrk.Run]] = {name: {} for name in names}
    for connections in (LOW, HIGH):
        runs: dict[str, list[wrk.Run]] = {name: [] for name in names}
        for number in range(rounds):
            shift = number % len(names)
            for name in names[shift:] + names[:shift]:
                used = (cpu or {}).get(name)
                before = used() if used else 0.0
                run = wrk.run(urls[name], connections, ROUND_S, env)
                if used and run.requests:
                    run.extra["cpu_us"] = round((used() - before) / run.requests * 1e6, 1)
                runs[name].append(run)
        for name in names:
            figures[name][f"c{connections}"] = wrk.merge(runs[name])
    return figures


def throughput(workdir: Path, records: dict[str, dict], seconds: int, warmup: int, progress=None) -> dict:
    """Per operation, per server: {"c1": Run, "c16": Run}; and the servers' start-up and memory."""
    prism_version = installed_version()
    wrk.binary()
    seeded = fixture(records)
    seed = write_fixture(seeded, workdir / "t5-fixture.json")
    fake_args = ("--seed-file", str(seed), "--id-seed", "7")
    servers: dict[str, Server] = {
        "fake": Server(workdir, None, "t5-fake", fake_args),
        "fake_validating": Server(workdir, None, "t5-fake-validating", (*fake_args, "--validate-responses")),
        **{f"prism_{key}": Prism(workdir, spec, f"t5-prism-{key}") for key, spec in SPECS.items()},
    }
    result: dict = {
        "prism_version": prism_version,
        "seconds": seconds,
        "warmup_seconds": warmup,
        "connections": [LOW, HIGH],
        "search_records": SEARCH_RECORDS,
        "started_s": {},
        "operations": {},
    }
    try:
        for name, server in servers.items():  # one after the other: start-up times not skewed
            result["started_s"][name] = round(server.start(), 3)
        ids = {"record_id": seeded["agent_data"][0]["id"]}
        jobs = {name: create_job(servers[name]) for name in ("fake", "fake_validating")}
        result["load_average"] = {}
        for op in OPERATIONS:
            result["load_average"][op.name] = round(os.getloadavg()[0], 2)
            if progress:
                progress(f"  {op.name} (1-min load average {result['load_average'][op.name]:.2f})")
            turns = {"fake": servers["fake"], "prism": servers[f"prism_{op.spec}"]}
            turns["fake_validating"] = servers["fake_validating"]
            urls = {}
            for name, server in turns.items():
                server_ids = {**ids, "job_id": jobs.get(name, "00000000-0000-4000-8000-0000000000aa")}
                check_once(server, op, server_ids, fake=not name.startswith("prism"))
                urls[name] = server.url + op.path.format(**server_ids)
            cpu = {name: turns[name].cpu_seconds for name in ("fake", "fake_validating")}
            result["operations"][op.name] = measure(urls, op, seconds, warmup, cpu)
        result["memory_after_mb"] = {name: server.memory() for name, server in servers.items()}
    finally:
        for server in servers.values():
            server.stop()
    return result
