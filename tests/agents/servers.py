"""Servers for the workflow-server suite: the real workflow server (the appserver ``llamactl serve``
runs, llama-agents-server underneath) with cloud persistence, its state in a fake's Agent Data.

Both run as subprocesses on free ports of 127.0.0.1: the fake from the project's venv
(``$LLAMACLOUD_MOCK_PYTHON``, set by ``make test-agents``; default ``.venv/bin/python``), the
appserver as tests/workflows/servers.py starts it (``python -m llama_agents.appserver.app
--deployment-file pyproject.toml`` of .venvs/agents) in tests/agents/app, whose workflows are in
agentsdemo/workflows.py. The project is not installed here (its dependencies clash with the
server's): the fake is started by its command line, through ``mockserver.testing.spawn_server``,
which needs only httpx here (pytest runs from the project's root).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import httpx

from mockserver.testing import spawn_server
from tests.support import API_KEY, MOCK_PYTHON
from tests.workflows.servers import appserver

APP = Path(__file__).resolve().parent / "app"
DEPLOYMENT = "agentsdemo"
START_TIMEOUT = 60.0


@contextlib.contextmanager
def fake(log: Path, *flags: str) -> Iterator[str]:
    """The URL of a fake started with ``flags`` (it checks its own answers against the spec: a
    mismatch answers 500, which the workflow server reports), until the block ends."""
    flags = ("--api-key", API_KEY, "--validate-responses", "--journal-size", "100000", *flags)
    with spawn_server(flags, python=MOCK_PYTHON, timeout=START_TIMEOUT, log_path=log) as (url, _, _):
        yield url


def workflow_server(fake_url: str, log: Path, project_id: str = "") -> contextlib.AbstractContextManager[str]:
    """The base URL of the deployment's workflow API, served by the real appserver with its state in
    the fake's Agent Data (in ``project_id``; none: the server sends ``project_id=``), until the block
    ends (a graceful stop, as Ctrl-C stops ``llamactl serve``)."""
    return appserver(log, APP, DEPLOYMENT, {
        "LLAMA_DEPLOY_APISERVER_PERSISTENCE": "cloud",
        "LLAMA_CLOUD_BASE_URL": fake_url,
        "LLAMA_CLOUD_API_KEY": API_KEY,
        "LLAMA_DEPLOY_PROJECT_ID": project_id,
    })


def journal(fake_url: str) -> list[dict]:
    """The Agent Data requests the fake received, oldest first."""
    response = httpx.get(f"{fake_url}/_mock/requests", params={"path": "/api/v1/beta/agent-data*"}, timeout=30)
    response.raise_for_status()
    return response.json()["items"]
