"""Issue 14: the vendor's workflow server (the appserver ``llamactl serve`` runs, from .venvs/agents)
keeping its state in the fake's Agent Data, timed over one human-in-the-loop run of
tests/agents/app: the Agent Data requests it sends per run, and the share of the run's wall time
the fake spends answering them. The baseline is the same run with in-memory persistence.
"""

from __future__ import annotations

import http.client
import statistics
from collections import Counter
from datetime import datetime
from pathlib import Path

import orjson

from bench.server import HOST, ROOT, Server
from bench.stats import now

AGENTS_PYTHON = ROOT / ".venvs" / "agents" / "bin" / "python"
APP = ROOT / "tests" / "agents" / "app"
BASE = "/deployments/agentsdemo"
RUNS = 5  # measured, after one warm-up run
AGENT_DATA = "/api/v1/beta/agent-data*"


class WorkflowServer(Server):
    """The real appserver serving tests/agents/app, with ``persistence`` ("memory", or "cloud" on
    the fake at ``fake_url``)."""

    cwd = APP

    def __init__(self, workdir: Path, persistence: str, fake_url: str):
        super().__init__(workdir, name=f"appserver-{persistence}")
        self.persistence = persistence
        self.fake_url = fake_url

    def command(self) -> list[str]:
        return [str(AGENTS_PYTHON), "-m", "llama_agents.appserver.app", "--deployment-file", "pyproject.toml"]

    def environment(self) -> dict[str, str]:
        return {
            **super().environment(),
            "LLAMA_DEPLOY_APISERVER_HOST": HOST,
            "LLAMA_DEPLOY_APISERVER_PORT": str(self.port),
            "LLAMA_DEPLOY_APISERVER_PERSISTENCE": self.persistence,
            "LLAMA_CLOUD_BASE_URL": self.fake_url,
            "LLAMA_CLOUD_API_KEY": "bench",
            "LOG_LEVEL": "WARNING",
        }


def _call(connection: http.client.HTTPConnection, method: str, path: str, body: dict | None = None) -> tuple:
    connection.request(
        method, path, orjson.dumps(body) if body is not None else None, {"Content-Type": "application/json"}
    )
    response = connection.getresponse()
    answer = response.read()
    return response.status, orjson.loads(answer) if answer else None


def _read_until(events: http.client.HTTPResponse, event_type: str) -> None:
    """Read the run's event stream (newline-delimited JSON) up to an event of this type."""
    while line := events.readline():
        if line.strip() and orjson.loads(line).get("type") == event_type:
            return
    raise RuntimeError(f"the event stream ended before a {event_type}")


def review_run(port: int) -> float:
    """One run of the ``review`` workflow: start, wait for its question, answer it, wait for the
    handler to complete. Its wall time in seconds."""
    api = http.client.HTTPConnection(HOST, port, timeout=60)
    stream = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        started = now()
        _, handler = _call(api, "POST", f"{BASE}/workflows/review/run-nowait", {"start_event": {"name": "ada"}})
        handler_id = handler["handler_id"]
        stream.request("GET", f"{BASE}/events/{handler_id}?sse=false&after_sequence=-1")
        events = stream.getresponse()
        _read_until(events, "AskEvent")
        answer = {"event": {"type": "AnswerEvent", "value": {"response": "yes"}}}
        status, _ = _call(api, "POST", f"{BASE}/events/{handler_id}", answer)
        if status != 200:
            raise RuntimeError(f"the answer to the run's question got {status}")
        _read_until(events, "StopEvent")
        while (handler := _call(api, "GET", f"{BASE}/handlers/{handler_id}")[1])["status"] == "running":
            pass
        if handler["status"] != "completed":
            raise RuntimeError(f"the run ended {handler['status']}: {handler.get('error')}")
        return now() - started
    finally:
        api.close()
        stream.close()


def _busy_seconds(entries: list[dict]) -> float:
    """How long the fake was answering at least one of these requests (the union of their spans)."""
    spans = sorted(
        (start, start + entry["duration_ms"] / 1000)
        for entry in entries
        for start in [datetime.fromisoformat(entry["received_at"]).timestamp()]
    )
    busy, end = 0.0, float("-inf")
    for start, stop in spans:
        if stop > end:
            busy += stop - max(start, end)
            end = stop
    return busy


def hitl(workdir: Path) -> dict:
    """RUNS timed runs in memory and on the fake; per cloud run, its Agent Data requests."""
    figures: dict = {}
    with Server(workdir, name="fake-for-agents", args=("--journal-size", "100000")) as fake:
        for persistence in ("memory", "cloud"):
            with WorkflowServer(workdir, persistence, fake.url) as app:
                review_run(app.port)  # warm-up: imports, first connections
                runs = []
                for _ in range(RUNS):
                    fake.http.request("DELETE", "/_mock/requests")
                    wall = review_run(app.port)
                    _, journal = fake.http.request("GET", f"/_mock/requests?path={AGENT_DATA}")
                    entries = orjson.loads(journal)["items"]
                    runs.append(
                        {
                            "wall_s": wall,
                            "requests": len(entries),
                            "by_operation": Counter(e["operation"] for e in entries),
                            "not_2xx": sum(not 200 <= e["status"] < 300 for e in entries),
                            "busy_s": _busy_seconds(entries),
                            "request_time_s": sum(e["duration_ms"] for e in entries) / 1000,
                        }
                    )
                figures[persistence] = runs
    cloud, memory = figures["cloud"], figures["memory"]
    figures["summary"] = {
        "wall_ms": {
            name: statistics.median(r["wall_s"] for r in runs) * 1000
            for name, runs in (("memory", memory), ("cloud", cloud))
        },
        "requests": statistics.median(r["requests"] for r in cloud),
        "by_operation": dict(sum((r["by_operation"] for r in cloud), Counter())),
        "not_2xx": sum(r["not_2xx"] for r in cloud),
        "busy_ms": statistics.median(r["busy_s"] for r in cloud) * 1000,
        "busy_share": statistics.median(r["busy_s"] / r["wall_s"] for r in cloud),
        "request_time_share": statistics.median(r["request_time_s"] / r["wall_s"] for r in cloud),
    }
    return figures
