"""`llamacloud-mock workflows record` against the real server: a scenario recorded from real runs (a
human-in-the-loop run answered, a failure, a plain result), replayed by the fake, streams what the real
run streamed, but for ids and timestamps; `--from-handler` records the same steps from an ended run."""

from __future__ import annotations

import json
import re
import subprocess

import httpx
import pytest
import yaml
from differential import Normaliser, sse_frames
from servers import MOCK_PYTHON, ROOT, fake_server, real_server

RUNS = {  # workflow -> (start, answers)
    "hitl": ({"name": "Ada"}, [("AnswerEvent", {"response": "yes"})]),
    "boom": ({}, []),
    "echo": ({"text": "hi"}, []),
}


def record(*args: str) -> str:
    """Run the command; the id of the handler it recorded."""
    command = [MOCK_PYTHON, "-m", "mockserver", "workflows", "record", *args]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return re.search(r"\(handler (\S+),", done.stderr).group(1)


def play(http: httpx.Client, workflow: str, start: dict, answers: list) -> str:
    """Run a workflow as a client does (start, stream, answer each question); its handler id."""
    handler_id = http.post(f"/workflows/{workflow}/run-nowait", json={"start_event": start}).json()["handler_id"]
    answers = list(answers)
    with http.stream("GET", f"/events/{handler_id}", params={"after_sequence": "-1"}) as response:
        for frame in sse_frames(response.iter_lines(), until="AskEvent" if answers else None):
            if "InputRequiredEvent" in (frame["data"]["types"] or []):
                event_type, value = answers.pop(0)
                http.post(f"/events/{handler_id}", json={"event": {"type": event_type, "value": value}})
    http.get(f"/events/{handler_id}", params={"after_sequence": "-1"})  # to the end
    return handler_id


def run_as_seen(http: httpx.Client, handler_id: str) -> dict:
    """What a client sees of an ended run, ids and timestamps normalised: its events and its handler."""
    norm = Normaliser()
    with http.stream("GET", f"/events/{handler_id}", params={"after_sequence": "-1"}) as response:
        events = [norm.value({k: f["data"][k] for k in ("type", "types", "value", "qualified_name")})
                  for f in sse_frames(response.iter_lines())]
    handler = http.get(f"/handlers/{handler_id}")
    return {"events": events, "status": handler.status_code, "handler": norm.value(handler.json())}


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """The scenario recorded from the real server, and what the real runs looked like."""
    tmp = tmp_path_factory.mktemp("record")
    scenario, from_log = tmp / "recorded.yaml", tmp / "from-handler.yaml"
    seen = {}
    with real_server(tmp / "real.log") as url, httpx.Client(base_url=url, timeout=30) as http:
        for workflow, (start, answers) in RUNS.items():
            args = ["--base-url", url, "--workflow", workflow, "--start", json.dumps(start), "-o", str(scenario)]
            for event_type, value in answers:
                args += ["--answer", f"{event_type}={json.dumps(value)}"]
            handler_id = record(*args)
            seen[workflow] = run_as_seen(http, handler_id)
            assert record("--base-url", url, "--from-handler", handler_id, "-o", str(from_log)) == handler_id
    return scenario, from_log, seen


def test_the_fake_replays_a_recorded_run_as_the_real_server_ran_it(recorded, tmp_path):
    scenario, _, real = recorded
    with fake_server(tmp_path / "fake.log", scenario) as url, httpx.Client(base_url=url, timeout=30) as http:
        assert http.get("/workflows").json() == {"workflows": list(RUNS)}
        for workflow, (start, answers) in RUNS.items():
            fake = run_as_seen(http, play(http, workflow, start, answers))
            assert fake == real[workflow], workflow
    assert [e["type"] for e in real["hitl"]["events"]] == ["ProgressEvent", "AskEvent", "ProgressEvent", "StopEvent"]
    assert real["boom"]["handler"]["error"] == "scripted failure" and real["boom"]["status"] == 500


def test_recorded_steps_and_waits(recorded):
    scenario, from_log, _ = recorded
    live, logged = yaml.safe_load(scenario.read_text()), yaml.safe_load(from_log.read_text())
    assert live["deployment"] == logged["deployment"] == "wfdemo"
    hitl = live["workflows"]["hitl"]
    assert hitl["start"]["required"] == ["name"] and hitl["start"]["title"] == "HitlStart"
    assert [next(iter(step)) for step in hitl["steps"]] == ["emit", "ask", "emit", "stop"]
    assert hitl["steps"][0]["after"] >= 0.1  # the real step sleeps 0.1 s first
    assert hitl["steps"][1]["expect"] == "AnswerEvent"
    assert hitl["steps"][1]["expect_schema"]["required"] == ["response"]
    assert hitl["steps"][3]["stop"] == {"result": {"answer": "yes", "approved": True}}
    [boom] = live["workflows"]["boom"]["steps"]
    assert boom["fail"] == "scripted failure" and boom["after"] >= 0.2

    for workflow in live["workflows"].values():  # an event log keeps no timings
        for step in workflow["steps"]:
            step.pop("after", None)
    assert logged == live
