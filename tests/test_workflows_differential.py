"""The fake against the real workflow server: the same requests to both, the same answers.

The real one is llama-agents-server 0.8.0 under llama-agents-appserver 0.12.2 (.venvs/agents,
`make .venvs/agents/.installed`), started as `llamactl serve` starts it, serving
tests/workflows_real/, whose workflows do what examples/workflows/wfdemo.yaml scripts; the fake
serves that scenario on wall time. Ids, timestamps and durations are masked; everything else
(statuses, bodies, event order and sequence numbers, internal events, error words) must be equal.
Skipped when the venv is not there.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from mockserver.testing import run_server

ROOT = Path(__file__).resolve().parent.parent
AGENTS_PYTHON = ROOT / ".venvs" / "agents" / "bin" / "python"
PROJECT = ROOT / "tests" / "workflows_real"
SCENARIO = ROOT / "examples" / "workflows" / "wfdemo.yaml"

pytestmark = pytest.mark.skipif(
    not AGENTS_PYTHON.exists(), reason="the real workflow server's venv is missing: make .venvs/agents/.installed"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    port = _free_port()
    env = {
        **os.environ,
        "LLAMA_DEPLOY_APISERVER_HOST": "127.0.0.1",
        "LLAMA_DEPLOY_APISERVER_PORT": str(port),
        "LLAMA_DEPLOY_APISERVER_PERSISTENCE": "memory",
        "PYTHONPATH": str(PROJECT),
    }
    env.pop("LLAMA_CLOUD_API_KEY", None)  # else the appserver keeps its state in LlamaCloud
    log = tmp_path_factory.mktemp("real") / "appserver.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(AGENTS_PYTHON), "-m", "llama_agents.appserver.app", "--deployment-file", "pyproject.toml"],
            cwd=PROJECT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}/deployments/wfdemo"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/workflows", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the real appserver did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def fake():
    with run_server(["--workflows", str(SCENARIO)]) as mock:
        yield f"{mock.url}/deployments/wfdemo"


_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00")
_ELAPSED = re.compile(r'"elapsed_seconds":[0-9.e-]+')


class Masked:
    """Answers with the ids of this server's handlers and runs, timestamps and durations masked."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def text(self, text: str) -> str:
        for real, name in self.names.items():
            text = text.replace(real, name)
        return _ELAPSED.sub('"elapsed_seconds":0', _TIMESTAMP.sub("<time>", text))

    def answer(self, response: httpx.Response) -> tuple[int, str]:
        if response.headers.get("content-type", "").startswith("application/json") and response.content:
            body = response.json()
            for key in ("handler_id", "run_id"):
                if isinstance(body, dict) and isinstance(body.get(key), str):
                    self.names.setdefault(body[key], f"<{key} {len(self.names)}>")
        return response.status_code, self.text(response.text)


def transcript(base: str) -> list:
    """A fixed sequence of requests, each answer masked (status, body)."""
    masked = Masked()
    out: list = []
    with httpx.Client(base_url=base, timeout=30) as client:

        def call(method: str, path: str, **kwargs) -> httpx.Response:
            response = client.request(method, path, **kwargs)
            out.append(
                (
                    method,
                    path if "/" not in path[1:] else re.sub(r"/[A-Za-z0-9-]{10}($|/)", "/<id>\\1", path),
                    *masked.answer(response),
                )
            )
            return response

        call("GET", "/workflows")
        call("POST", "/workflows/echo/run", json={"start_event": {"text": "hi"}})
        call(
            "POST",
            "/workflows/echo/run",
            json={
                "start_event": {"value": {"_data": {"text": "py"}}, "type": "StartEvent", "qualified_name": None},
                "context": {},
            },
        )
        call("POST", "/workflows/boom/run", json={})
        for body in (b"", b"[]", b'{"start_event": 5}', b'{"context": {"a": 1}}'):
            call("POST", "/workflows/echo/run-nowait", content=body, headers={"content-type": "application/json"})
        call("GET", "/workflows/nope/schema")
        call("GET", "/handlers/nope")
        # human in the loop, with internal events
        hid = call("POST", "/workflows/hitl/run-nowait", json={"start_event": {"name": "Ada"}}).json()["handler_id"]
        with client.stream(
            "GET", f"/events/{hid}", params={"after_sequence": -1, "include_internal": "true"}
        ) as stream:
            assert stream.headers["content-type"] == "text/event-stream; charset=utf-8"
            lines = stream.iter_lines()
            frames = []
            for line in lines:
                if line.startswith(("id: ", "data: ")):
                    frames.append(masked.text(line))
                if line.startswith("data: ") and json.loads(line[6:])["type"] == "WorkflowIdleEvent":
                    break
            out.append(("stream until idle", frames))
            call("GET", f"/handlers/{hid}")
            # (a value of the wrong type is a 400 only where the scenario says the answer's fields: expect_schema)
            for event in (
                {"type": "Nope", "value": {}},
                {"value": {}},
                '{"type": "Nope"}',
            ):
                response = call("POST", f"/events/{hid}", json={"event": event})
                detail = str(
                    response.json().get("detail", response.text)
                )  # first words: lists and pydantic's details vary
                out[-1] = out[-1][:3] + (detail.split("\n")[0].split(". Expected")[0],)
            call("POST", f"/events/{hid}", json={"event": {"type": "AnswerEvent", "value": {"response": "yes"}}})
            out.append(
                ("stream to the end", [masked.text(line) for line in lines if line.startswith(("id: ", "data: "))])
            )
        call("GET", f"/handlers/{hid}")
        call("GET", f"/results/{hid}")
        call("GET", f"/events/{hid}")
        call("POST", f"/events/{hid}", json={"event": {"type": "AnswerEvent", "value": {"response": "no"}}})
        # cancel and purge
        hid = call("POST", "/workflows/hitl/run-nowait", json={"start_event": {"name": "Bo"}}).json()["handler_id"]
        call("POST", f"/handlers/{hid}/cancel")
        call("GET", f"/handlers/{hid}")
        call("POST", f"/handlers/{hid}/cancel")
        call("POST", f"/handlers/{hid}/cancel", params={"purge": "true"})
        call("GET", f"/handlers/{hid}")
        call("GET", "/handlers", params={"status": ["failed", "cancelled"]})
        call("GET", "/handlers", params={"status": "bogus"})
    return out


def test_the_fake_answers_as_the_real_server(real, fake):
    expected, actual = transcript(real), transcript(fake)
    for want, got in zip(expected, actual, strict=True):
        assert got == want
