"""The cost of an option, in one process: two apps built alike but for it (``--validate-responses``
by default; the body limits of mockserver/limits.py for section 8).

Two servers under wrk cannot measure it: on this VM the same server's requests/s, and even its
CPU time per request, move by ±20% from one second to the next (the host takes about a tenth of
the machine's time), and two processes differ by as much (memory layout, hash seeds), where the
validation itself costs a few microseconds. Here both apps answer the same requests (the load
section's five operations, same seed, same ids), called as ASGI apps in rounds of ``REQUESTS``
requests, taking turns; each round's ratio cancels the machine's speed at that moment, and the
median of the rounds is the cost. It is the extra time of the app alone, without the HTTP
server's share of a request (about half of it): an upper bound of the extra time per request.
"""

from __future__ import annotations

import asyncio
import statistics
from pathlib import Path

import orjson

from bench.load import AGENT_ID, FILE_ID, OPERATIONS, Operation
from bench.stats import now

ROUNDS = 15
REQUESTS = {"create-job": 60}  # per round; 200 for the others
HEADERS = [(b"host", b"bench"), (b"authorization", b"Bearer bench"), (b"content-type", b"application/json")]


async def _call(app, method: str, path: str, body: bytes) -> tuple[int, bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [*HEADERS, (b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 4010),
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict] = []

    async def receive() -> dict:
        return messages.pop() if messages else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


async def _measure(
    apps: dict[bool, object], record_id: str, operations: tuple[Operation, ...], rounds: int, per_round: int | None
) -> dict[str, dict]:
    jobs = {}
    for validating, app in apps.items():
        status, answer = await _call(
            app, "POST", "/api/v1/extraction/jobs", orjson.dumps({"extraction_agent_id": AGENT_ID, "file_id": FILE_ID})
        )
        if status != 200:
            raise RuntimeError(f"create-job answered {status}: {answer[:300]!r}")
        jobs[validating] = orjson.loads(answer)["id"]
    result = {}
    for op in operations:
        result[op.name] = await _operation(apps, op, record_id, jobs, rounds, per_round)
    return result


async def _operation(
    apps: dict[bool, object],
    op: Operation,
    record_id: str,
    jobs: dict[bool, str],
    rounds: int,
    per_round: int | None,
) -> dict:
    body = orjson.dumps(op.body) if op.body else b""
    count = per_round or REQUESTS.get(op.name, 200)
    times: dict[bool, list[float]] = {False: [], True: []}
    for number in range(rounds + 1):  # the first round warms up, not counted
        for validating in (False, True) if number % 2 else (True, False):
            path = op.path.format(record_id=record_id, job_id=jobs[validating])
            started = now()
            for _ in range(count):
                status, answer = await _call(apps[validating], op.method, path, body)
                if not 200 <= status < 300:
                    raise RuntimeError(f"{op.name} answered {status}: {answer[:300]!r}")
            if number:
                times[validating].append((now() - started) / count)
    ratios = sorted(on / off for on, off in zip(times[True], times[False]))
    return {
        "off_us": round(statistics.median(times[False]) * 1e6, 1),
        "on_us": round(statistics.median(times[True]) * 1e6, 1),
        "cost": statistics.median(ratios) - 1,
        "lowest": ratios[0] - 1,
        "highest": ratios[-1] - 1,
        "rounds": rounds,
    }


def measure(
    seed_file: Path,
    on: dict | None = None,
    off: dict | None = None,
    operations: tuple[Operation, ...] = OPERATIONS,
    rounds: int = ROUNDS,
    per_round: int | None = None,
) -> dict[str, dict]:
    """Per operation: the app's median time per request with the option off and on, and the
    extra time (median of the rounds' ratios, lowest, highest). ``on``, ``off``: the Config
    fields of the two apps (default: response validation on and off); ``rounds`` of ``per_round``
    requests each (default: REQUESTS' count)."""
    from mockserver.app import create_app
    from mockserver.config import Config

    fields = {
        True: {"validate_responses": True} if on is None else on,
        False: {"validate_responses": False} if off is None else off,
    }
    apps = {v: create_app(Config(seed_file=str(seed_file), id_seed=7, **fields[v])) for v in (False, True)}
    record_id = orjson.loads(seed_file.read_bytes())["agent_data"][0]["id"]
    return asyncio.run(_measure(apps, record_id, operations, rounds, per_round))
