"""Servers for the workflow-server suite: the real workflow server (the appserver ``llamactl serve``
runs, llama-agents-server underneath) with cloud persistence, its state in a fake's Agent Data.

Both run as subprocesses on free ports of 127.0.0.1: the fake from the project's venv
(``$LLAMACLOUD_MOCK_PYTHON``, set by ``make test-agents``; default ``.venv/bin/python``), the
appserver from this venv, as ``python -m llama_agents.appserver.app --deployment-file pyproject.toml``
in tests/agents/app, whose workflows are in agentsdemo/workflows.py. The project is not installed
here (its dependencies clash with the server's): the fake is started by its command line, through
``mockserver.testing.spawn_server``, which needs only httpx here (pytest runs from the project's root).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockserver.testing import spawn_server

ROOT = Path(__file__).resolve().parents[2]
APP = Path(__file__).resolve().parent / "app"
DEPLOYMENT = "agentsdemo"
API_KEY = "test-key"
START_TIMEOUT = 60.0


def _wait(ready, process: subprocess.Popen, log: Path, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what} exited with status {process.returncode} on start; its output:\n{log.read_text()}")
        if ready():
            return
        time.sleep(0.05)
    pytest.fail(f"{what} did not start within {START_TIMEOUT:.0f}s; its output:\n{log.read_text()}")


@contextlib.contextmanager
def _running(command: list[str], log: Path, *, cwd: Path | None = None, env: dict | None = None) -> Iterator:
    with log.open("ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=cwd, env=env)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def fake(log: Path, *flags: str) -> Iterator[str]:
    """The URL of a fake started with ``flags`` (it checks its own answers against the spec: a
    mismatch answers 500, which the workflow server reports), until the block ends."""
    python = os.environ.get("LLAMACLOUD_MOCK_PYTHON") or str(ROOT / ".venv" / "bin" / "python")
    flags = ("--api-key", API_KEY, "--validate-responses", "--journal-size", "100000", *flags)
    with spawn_server(flags, python=python, timeout=START_TIMEOUT, log_path=log) as (url, _, _):
        yield url


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def workflow_server(fake_url: str, log: Path, project_id: str = "") -> Iterator[str]:
    """The base URL of the deployment's workflow API, served by the real appserver with its state in
    the fake's Agent Data (in ``project_id``; none: the server sends ``project_id=``), until the block
    ends (a graceful stop, as Ctrl-C stops ``llamactl serve``)."""
    port = _free_port()
    env = {
        **os.environ,
        "LLAMA_DEPLOY_APISERVER_HOST": "127.0.0.1",
        "LLAMA_DEPLOY_APISERVER_PORT": str(port),
        "LLAMA_DEPLOY_APISERVER_PERSISTENCE": "cloud",
        "LLAMA_CLOUD_BASE_URL": fake_url,
        "LLAMA_CLOUD_API_KEY": API_KEY,
        "LLAMA_DEPLOY_PROJECT_ID": project_id,
    }
    command = [sys.executable, "-m", "llama_agents.appserver.app", "--deployment-file", "pyproject.toml"]
    base = f"http://127.0.0.1:{port}/deployments/{DEPLOYMENT}"

    def healthy() -> bool:
        try:
            return httpx.get(f"{base}/health", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    with _running(command, log, cwd=APP, env=env) as process:
        _wait(healthy, process, log, "the workflow server")
        yield base


def journal(fake_url: str) -> list[dict]:
    """The Agent Data requests the fake received, oldest first."""
    response = httpx.get(f"{fake_url}/_mock/requests", params={"path": "/api/v1/beta/agent-data*"}, timeout=30)
    response.raise_for_status()
    return response.json()["items"]
