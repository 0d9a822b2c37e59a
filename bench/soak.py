"""Memory: the fake's resident set empty and with 100,000 records, the cost of a job, and a soak.

RSS is the process's VmRSS (/proc/PID/status), the memory it really holds; VmHWM is its peak.

* Empty and full: a fake in memory with no state, and one with ``--db`` on the 100,000-record
  state file, each after the same few requests (a get, a search, an aggregate: the code paths
  import what they need on first use). The difference is the records' cost.
* Jobs: an extraction job cannot be deleted (it is state the client asked for), so a load that
  creates jobs grows the state by design: a phase of create-job + get-job (bench/wrk/mix.lua,
  BENCH_MIX=jobs) measures the RSS per job.
* Soak: then a mixed load that deletes what it creates (get, search, create + delete a record,
  get a job, upload + delete a file; BENCH_MIX=soak) for ``seconds``, RSS sampled every
  ``sample_every`` seconds. What is left growing is bookkeeping (the request journal is a ring
  buffer: it must stay at its size), and it must not: the growth after the first sample is judged.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import orjson

from bench import wrk
from bench.dataset import copy_state
from bench.load import AGENT_ID, FILE_ID, create_job, fixture, write_fixture
from bench.search import AGGREGATE, FILTERED_SORTED
from bench.server import Server
from bench.stats import now

CONNECTIONS = 16
SOAK_SCOPE = {"deployment_name": "soak", "collection": "soak", "include_total": True}  # what mix.lua creates
JOBS_PRIME_S = 2  # jobs load before the jobs phase's first reading: code paths warm, journal full


def _warm(server: Server, record_id: str) -> None:
    """The same few requests on every server measured (their answers' status does not matter)."""
    server.http.request("GET", f"/api/v1/beta/agent-data/{record_id}")
    server.http.post("/api/v1/beta/agent-data/:search", FILTERED_SORTED)
    server.http.post("/api/v1/beta/agent-data/:aggregate", AGGREGATE)


def footprint(workdir: Path, full_state: Path, records: int, record_id: str) -> dict:
    """RSS of an empty fake and of one holding ``records`` records (--db), after the same requests."""
    result = {"records": records}
    with Server(workdir, None, "t7-empty") as server:
        result["empty_started"] = server.memory()
        _warm(server, record_id)
        result["empty"] = server.memory()
    db = copy_state(full_state, workdir / "t7-full.db.json")
    with Server(workdir, db, "t7-full") as server:
        result["full_started"] = server.memory()
        _warm(server, record_id)
        result["full"] = server.memory()
    result["per_100k_mb"] = (result["full"]["rss_mb"] - result["empty"]["rss_mb"]) * 100_000 / records
    result["state_file_bytes"] = full_state.stat().st_size
    return result


def _journal(server: Server) -> dict:
    status, answer = server.http.request("GET", "/_mock/requests?limit=1")
    if status != 200:
        raise RuntimeError(f"GET /_mock/requests answered {status}: {answer[:200]!r}")
    page = orjson.loads(answer)
    return {"kept": page["total"], "received": page["received"], "size": page["size"]}


def _count(server: Server, path: str, body: dict | None = None) -> int:
    status, answer = server.http.request("POST" if body else "GET", path, body)
    if status != 200:
        raise RuntimeError(f"{path} answered {status}: {answer[:200]!r}")
    page = orjson.loads(answer)
    return len(page) if isinstance(page, list) else page["total_size"]


def soak(workdir: Path, records: dict[str, dict], seconds: int, sample_every: int, jobs_seconds: int) -> dict:
    seeded = fixture(records)
    seed = write_fixture(seeded, workdir / "t7-fixture.json")
    record_id = seeded["agent_data"][0]["id"]
    env = {
        "BENCH_RECORD_ID": record_id,
        "BENCH_SEARCH_BODY": orjson.dumps(FILTERED_SORTED).decode(),
        "BENCH_AGENT_ID": AGENT_ID,
        "BENCH_FILE_ID": FILE_ID,
    }
    result: dict = {"connections": CONNECTIONS, "seconds": seconds, "jobs_seconds": jobs_seconds}
    with Server(workdir, None, "t7-soak", ("--seed-file", str(seed))) as server:
        env["BENCH_JOB_ID"] = create_job(server)
        jobs_env = {**env, "BENCH_MIX": "jobs"}
        list_jobs = f"/api/v1/extraction/jobs?extraction_agent_id={AGENT_ID}"

        # jobs: RSS per job created
        _check(wrk.run(server.url, CONNECTIONS, JOBS_PRIME_S, jobs_env, wrk.MIX_SCRIPT), "jobs warm-up")
        jobs_before = _count(server, list_jobs)
        before = server.memory()
        run = _check(wrk.run(server.url, CONNECTIONS, jobs_seconds, jobs_env, wrk.MIX_SCRIPT), "jobs")
        after = server.memory()
        created = _count(server, list_jobs) - jobs_before
        result["jobs"] = {
            "load": run.summary(),
            "created": created,
            "rss_before_mb": before["rss_mb"],
            "rss_after_mb": after["rss_mb"],
            "kib_per_job": (after["rss_mb"] - before["rss_mb"]) * 1024 / created if created else None,
        }

        # soak: a load that deletes what it creates
        search_scope = {k: FILTERED_SORTED[k] for k in ("deployment_name", "collection")}
        records_before = _count(server, "/api/v1/beta/agent-data/:search", {**search_scope, "include_total": True})
        soak_records_before = _count(server, "/api/v1/beta/agent-data/:search", SOAK_SCOPE)
        samples = [(0.0, server.memory()["rss_mb"])]
        process = wrk.spawn(server.url, CONNECTIONS, seconds, {**env, "BENCH_MIX": "soak"}, wrk.MIX_SCRIPT)
        started = now()
        try:
            while True:
                next_sample = len(samples) * sample_every
                try:
                    process.wait(max(0.0, started + next_sample - now()))
                    break
                except subprocess.TimeoutExpired:
                    samples.append((round(now() - started, 1), server.memory()["rss_mb"]))
            run = wrk.finish(process, CONNECTIONS)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        time.sleep(0.2)
        samples.append((round(now() - started, 1), server.memory()["rss_mb"]))
        _check(run, "soak")
        first = samples[1][1] if len(samples) > 2 else samples[0][1]
        result["soak"] = {
            "load": run.summary(),
            "rss_samples_mb": samples,
            "growth_after_first_sample_mb": samples[-1][1] - first,
            "journal": _journal(server),
            "records_before": records_before,
            "records_after": _count(server, "/api/v1/beta/agent-data/:search", {**search_scope, "include_total": True}),
            "soak_records_left": _count(server, "/api/v1/beta/agent-data/:search", SOAK_SCOPE) - soak_records_before,
            "peak_mb": server.memory()["peak_mb"],
        }
    return result


def _check(run: wrk.Run, what: str) -> wrk.Run:
    if not run.clean:
        raise RuntimeError(f"{what} load: {run.problem()}")
    return run
