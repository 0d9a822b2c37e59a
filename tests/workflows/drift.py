"""The live drift run of the workflow server: the contract harness (``llamacloud-mock contract``, every
Schemathesis phase and check) against the real server and against the fake, both serving ``wfdemo``
(servers.py), and where each disagrees with openapi/workflows.yaml, per operation and JSON path.

``drift(workdir)`` runs both and returns their results (``results.json`` of each run, see
contracts/report.py); ``places(result)`` is the set of ``(operation, failure, JSON path)`` where a
server disagrees with the spec; ``markdown(...)`` is the committed report.

``python tests/workflows/drift.py -o contracts/reports/workflows-live-drift.md`` (``make drift-workflows``)
writes the report; tests/workflows/test_drift.py asserts that both servers disagree with the spec in the
same places once the real server's known bugs (``KNOWN``, each with its reason) are set aside.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
from pathlib import Path

import httpx
from servers import MOCK_PYTHON, ROOT, serve

# bounded for CI: about a minute against the real server, half that against the fake
OPTIONS = ("--spec", "workflows", "--max-examples", "10", "--max-steps", "8", "--max-requests", "700",
           "--seed", "42", "--stream-seconds", "0.5")
SERVERS = ("real", "fake")

# Where the real server disagrees with the spec and the fake, on purpose, does not: each is a bug of the
# real server (llama-agents-server 0.8.0 under llama-agents-appserver 0.12.2) that no client relies on.
KNOWN = {
    (
        "POST /deployments/{deployment_name}/events/{handler_id}",
        "ST205 Allow header mismatch",
        "(Allow)",
    ): "The appserver adds GET and POST /events/{handler_id} as two routes; another method gets Starlette's "
    "405 from the first one, `Allow: GET, HEAD`, which leaves out POST. The fake answers `Allow: GET, POST`.",
    (
        "POST /deployments/{deployment_name}/workflows/{name}/run",
        "ST101 Server error",
        "-",
    ): "A `handler_id` that is no string (`[null, null]`) reaches pydantic inside the run: 500 `Error running "
    "workflow: 1 validation error for PersistentHandler`. The fake refuses it with 400 `Invalid handler_id: "
    "expected a string, got list`, as the spec's `handler_id: string` says.",
    (
        "POST /deployments/{deployment_name}/workflows/{name}/run",
        "ST108 Response violates schema",
        "$.handler_id",
    ): "The same 500 (above): its body is `{detail}`, not the Handler the spec's 500 carries.",
    (
        "POST /deployments/{deployment_name}/workflows/{name}/run-nowait",
        "ST101 Server error",
        "-",
    ): "`\"start_event\": null` for a workflow whose start event has required fields (hitl: `name`) fails when "
    "the server builds the event: 500 `Initial persistence failed: Failed creating a start event of type "
    "'HitlStart' with the keyword arguments: {}` (a body without `start_event` gets the 400 for the missing "
    "field). The fake answers that 400 to both.",
    (
        "POST /deployments/{deployment_name}/workflows/{name}/run-nowait",
        "ST103 Undocumented status code",
        "(status)",
    ): "The same 500 (above), which the spec does not declare for run-nowait.",
}

# What the live runs and the differential check found, and how each was resolved (the report's history).
RESOLVED = (
    ("spec", "POST /events/{handler_id}: `{\"event\": {}}` is schema-valid but the real server answers 400 "
     "`Event data is required`", "`event` as an object has `minProperties: 1` in openapi/workflows.yaml"),
    ("fake", "POST /events/{handler_id}: an event that is no object, a value that is no object, an envelope "
     "without `value`, a falsy event", "the fake answers the real server's 400 words (pydantic's `model_type` "
     "and `missing` errors, `Event data is required`)"),
    ("fake", "POST /events/{handler_id}: a bad body to an unknown handler", "the body is checked before the "
     "handler is looked up, as on the real server (400, not 404)"),
    ("fake", "an answer whose fields break the answer's class (`{\"response\": 5}`): 400 on the real server, "
     "accepted by the fake", "the scenario's `expect_schema` declares the answer's fields; examples/workflows/"
     "wfdemo.yaml declares AnswerEvent's"),
    ("fake", "GET /workflows lists `slow` on the real deployment", "`slow` added to examples/workflows/wfdemo.yaml"),
    ("harness", "a stream of a run still going stays open until the run ends (hitl's 120 s timeout): the real "
     "server's run took 8 minutes", "`--stream-seconds` (default 2): an event stream is read that long, then "
     "checked"),
    ("harness", "every workflow-server path was left out of a live run as the fake's own (outside /api/)",
     "a target's `api_prefix` (`/` for the workflow server)"),
    ("spec", "`\"context\": false` (and `0`, `\"\"`, `[]`) is accepted by the real server, which refuses only a "
     "context Python takes for true", "`context` is any of those falsy values, an empty object, or null"),
    ("harness", "an NDJSON stream of a run still going ended the run with a read-timeout error (Schemathesis "
     "bounds only SSE answers)", "counted as a stream cut after `--stream-seconds`, not as an error"),
    ("spec", "`\"kwargs\": []` beside a start event is accepted by the real server (and the fake), but the spec "
     "typed kwargs as an object", "kwargs is any value: ignored beside a start event, read as one otherwise"),
    ("fake", "`kwargs` that is no object without a start event: the fake's own 400 wording; a null start event "
     "with kwargs: the fake read kwargs (the real server runs with no start event)", "kwargs read as the real "
     "server reads it (the differential check has both)"),
    ("fake", "a stop whose result is None: the fake streamed `{\"result\": null}`, the real StopEvent `{}`",
     "the fake leaves out a None result"),
    ("harness", "the fuzzer's random walk differs with the answers it gets: a place found on one server only "
     "failed the comparison by chance", "the request that showed it is replayed on the other server; answered "
     "alike, both disagree there"),
    ("harness", "the stateful phase against the real server took from 35 s to 5 minutes (streams of running "
     "runs, boom's 0.2 s runs)", "a budget of 700 requests, scenarios of 8 steps, streams read 0.5 s"),
)


def contract(base_url: str, report_dir: Path) -> dict:
    """One harness run against a deployment's server (``base_url`` is the deployment's URL)."""
    root = base_url.split("/deployments/", 1)[0]
    command = [MOCK_PYTHON, "-m", "mockserver", "contract", *OPTIONS, "--base-url", root]
    command += ["--report-dir", str(report_dir)]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if run.returncode not in (0, 1):  # 1: drift found, which the caller judges
        raise RuntimeError(f"{' '.join(command)} exited with {run.returncode}:\n{run.stdout}\n{run.stderr}")
    (report_dir / "stdout.txt").write_text(run.stdout)
    data = json.loads((report_dir / "results.json").read_text())
    return {**data["targets"][0], "schemathesis": data["schemathesis"]}


def drift(workdir: Path) -> dict[str, dict]:
    """The harness's results against each server, by server name. A place where the fuzzer saw only one
    server disagree (its random walk differs with the answers it gets) is checked on the other by replaying
    the request that showed it: when the other answers alike (same status class), both disagree there
    (``replayed``: place -> the other's status)."""
    results, urls = {}, {}
    with contextlib.ExitStack() as stack:
        for name in SERVERS:
            urls[name] = stack.enter_context(serve(name, workdir / f"{name}-server.log"))
            results[name] = contract(urls[name], workdir / name)
        for name, other in (SERVERS, SERVERS[::-1]):
            results[other]["replayed"] = {}
            for place, failure in places(results[name]).items():
                if place in places(results[other]) or place in KNOWN or not failure.get("request"):
                    continue
                status = replay(failure["request"], urls[other])
                if failure["status"] is not None and status // 100 == failure["status"] // 100:
                    results[other]["replayed"][place] = status
    return results


def replay(request: dict, base_url: str) -> int:
    """The status another server answers to a request the harness sent (aimed at its deployment URL)."""
    path = request["uri"].split("/deployments/", 1)[1].split("/", 1)[1]
    headers = {k: v for k, v in request["headers"].items() if k.lower() not in ("host", "content-length")}
    body = request["body"].encode("utf-8", "surrogateescape") if request["body"] is not None else None
    with httpx.stream(request["method"], f"{base_url}/{path}", headers=headers, content=body, timeout=10) as response:
        return response.status_code  # not read: a stream of a run still going would not end


def places(result: dict) -> dict[tuple[str, str, str], dict]:
    """Where a server disagrees with the spec: ``(operation, failure, JSON path)`` -> the failure."""
    return {(f["operation"], f"{f['code']} {f['title']}", f["json_path"]): f for f in result["failures"]}


def disagreements(result: dict) -> set:
    """The places where a server disagrees with the spec, found by the fuzzer or by a replay."""
    return set(places(result)) | set(result.get("replayed", {}))


def unexplained(results: dict[str, dict]) -> tuple[set, set]:
    """(real only, fake only): the places where one server disagrees with the spec and the other does
    not, the real server's known bugs set aside."""
    real, fake = disagreements(results["real"]) - set(KNOWN), disagreements(results["fake"])
    return real - fake, fake - real


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown(results: dict[str, dict]) -> str:
    real, fake = places(results["real"]), places(results["fake"])
    real_only, fake_only = unexplained(results)
    replayed = sum(len(r.get("replayed", {})) for r in results.values())
    lines = [
        "# Live drift: the real workflow server and the fake against openapi/workflows.yaml",
        "",
        "Generated by `make drift-workflows` (tests/workflows/drift.py; `make test` runs the same check in "
        "tests/workflows/test_drift.py). `llamacloud-mock contract " + " ".join(OPTIONS) + " --base-url URL` "
        f"(Schemathesis {results['real'].get('schemathesis', '')}: examples, coverage, fuzzing and stateful "
        "phases, every check) against:",
        "",
        "- **real**: llama-agents-server 0.8.0 under llama-agents-appserver 0.12.2 (`.venvs/agents`), started as "
        "`llamactl serve` starts it, serving the Python workflows of tests/workflows/real_app (in-memory store);",
        "- **fake**: `llamacloud-mock serve --workflows examples/workflows/wfdemo.yaml`, the same deployment "
        "scripted.",
        "",
        "| server | operations | requests | seconds | places of disagreement | known (real server bugs) "
        "| failures dropped by documented exclusions |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, result in results.items():
        found = places(result)
        known = len(set(found) & set(KNOWN))
        lines.append(
            f"| {name} | {len(result['operations'])} | {result['requests']} | {result['seconds']} | {len(found)} "
            f"| {known} | {sum(result['excluded'].values())} |"
        )
    verdict = "the same places" if not real_only and not fake_only else "DIFFERENT places"
    lines += [
        "",
        f"Verdict: once the real server's known bugs are set aside, both disagree with the spec in {verdict} "
        f"({len(real_only)} only on the real server, {len(fake_only)} only on the fake; {replayed} place(s) the "
        "fuzzer hit on one server only, confirmed on the other by replaying the request).",
        "",
        "## Requests per operation",
        "",
        "| operation | real: requests (statuses) | fake: requests (statuses) |",
        "|---|---|---|",
    ]
    for label in results["real"]["operations"]:
        cells = []
        for name in SERVERS:
            stats = results[name]["operations"].get(label, {"requests": 0, "statuses": {}})
            statuses = ", ".join(f"{code}: {n}" for code, n in stats["statuses"].items())
            cells.append(f"{stats['requests']} ({statuses})")
        lines.append(f"| `{label}` | {' | '.join(cells)} |")
    lines += [
        "",
        "## Where a server disagrees with the spec",
        "",
        "| operation | failure | JSON path | real | fake | resolution |",
        "|---|---|---|---|---|---|",
    ]
    for place in sorted(set(real) | set(fake)):
        operation, failure, path = place
        shared = place in disagreements(results["real"]) and place in disagreements(results["fake"])
        seen = [
            f"{found[place]['status']} (x{found[place]['count']})"
            if place in found
            else f"{results[name]['replayed'][place]} (on replay)"
            if place in results[name].get("replayed", {})
            else "no"
            for name, found in (("real", real), ("fake", fake))
        ]
        reason = KNOWN.get(place) or (
            "Both servers: the spec is stricter than the real server here (the fuzzer hit it on one, the same "
            "request replayed on the other is answered alike)"
            if shared
            else "UNEXPLAINED: fix the fake or the spec, or list it in KNOWN with the reason"
        )
        lines.append(f"| `{operation}` | {failure} | `{path}` | {seen[0]} | {seen[1]} | {_cell(reason)} |")
    if not real and not fake:
        lines.append("| (none) | | | | | |")
    lines += ["", "### The answers behind them", ""]
    for place in sorted(set(real) | set(fake)):
        for name, found in (("real", real), ("fake", fake)):
            if place in found:
                lines.append(f"- {name}, `{place[0]}` {place[1]}: `{_cell(found[place]['response'][:300])}`")
    lines += [
        "",
        "## Found and resolved",
        "",
        "What the live runs and the differential check (tests/workflows/test_differential.py) found, and where "
        "it was fixed.",
        "",
        "| fixed in | found | resolution |",
        "|---|---|---|",
        *(f"| {where} | {_cell(found)} | {_cell(how)} |" for where, found, how in RESOLVED),
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--output", type=Path, help="write the Markdown report here (default: stdout)")
    parser.add_argument("--workdir", type=Path, default=Path("reports/drift-workflows"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    text = markdown(drift(args.workdir.resolve()))
    if args.output:
        args.output.write_text(text)
        print(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
