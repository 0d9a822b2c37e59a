"""The two workflow servers the client suites run against, each serving the deployment ``wfdemo``:

* ``real``: the vendor's appserver (``llama-agents-appserver`` over ``llama-agents-server``, from
  .venvs/agents) started as ``llamactl serve`` starts it, ``python -m llama_agents.appserver.app
  --deployment-file pyproject.toml`` in tests/workflows/real_app, with the in-memory store;
* ``fake``: ``python -m mockserver serve --workflows examples/workflows/wfdemo.yaml`` of the project's
  venv (``$LLAMACLOUD_MOCK_PYTHON``, default .venv/bin/python).

``serve(target, log)`` yields the deployment's base URL, ``http://127.0.0.1:PORT/deployments/wfdemo``.
Every suite is parametrised over ``TARGETS`` and must pass on each (both by default;
``$WORKFLOWS_TARGETS``, e.g. ``real`` or ``fake``, runs others).

``appserver(log, app, deployment, settings)`` starts the vendor's appserver on another deployment
with other settings (tests/agents: its app with cloud persistence in a fake's Agent Data).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from mockserver.testing import spawn_server, terminate
from tests.support import MOCK_PYTHON, ROOT

REAL_APP = Path(__file__).resolve().parent / "real_app"
SCENARIO = ROOT / "examples" / "workflows" / "wfdemo.yaml"
DEPLOYMENT = "wfdemo"
START_TIMEOUT = 60.0

TARGETS = os.environ.get("WORKFLOWS_TARGETS", "real,fake").split(",")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def appserver(log: Path, app: Path = REAL_APP, deployment: str = DEPLOYMENT,
              settings: dict[str, str] | None = None) -> Iterator[str]:
    """The appserver of .venvs/agents (this interpreter's venv when the suites run there) serving the
    deployment of ``app``/pyproject.toml, until the block ends (SIGTERM: a graceful stop, as Ctrl-C stops
    ``llamactl serve``). ``settings``: its environment beyond host and port; by default the in-memory
    store, and no LlamaCloud key (with a key and no persistence setting it would persist in the cloud)."""
    port = _free_port()
    env = {**os.environ, "LLAMA_DEPLOY_APISERVER_HOST": "127.0.0.1", "LLAMA_DEPLOY_APISERVER_PORT": str(port),
           "LOG_LEVEL": "WARNING"}
    if settings is None:
        env.pop("LLAMA_CLOUD_API_KEY", None)
        settings = {"LLAMA_DEPLOY_APISERVER_PERSISTENCE": "memory"}
    env.update(settings)
    python = os.environ.get("LLAMA_AGENTS_PYTHON") or str(ROOT / ".venvs" / "agents" / "bin" / "python")
    command = [python, "-m", "llama_agents.appserver.app", "--deployment-file", "pyproject.toml"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=app, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/deployments/{deployment}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the real server exited with {process.returncode} on start:\n{log.read_text()}")
            try:
                if httpx.get(f"{base}/workflows", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the real server did not answer on {base}:\n{log.read_text()}")
            time.sleep(0.1)
        yield base
    finally:
        terminate(process, timeout=15)


def real_server(log: Path) -> contextlib.AbstractContextManager[str]:
    """The real target: the appserver serving tests/workflows/real_app with the in-memory store."""
    return appserver(log)


@contextlib.contextmanager
def fake_server(log: Path, scenario: Path = SCENARIO) -> Iterator[str]:
    """The fake of the project's venv, serving a scenario file (of the deployment wfdemo)."""
    with spawn_server(["--workflows", str(scenario)], python=MOCK_PYTHON, log_path=log) as (url, _, _):
        yield f"{url}/deployments/{DEPLOYMENT}"


def serve(target: str, log: Path) -> contextlib.AbstractContextManager[str]:
    return {"real": real_server, "fake": fake_server}[target](log)


if __name__ == "__main__":  # a server to poke by hand: PYTHONPATH=. python tests/workflows/servers.py real
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # so that the server's own process is stopped too
    with serve(sys.argv[1] if len(sys.argv) > 1 else "real", Path(f"/tmp/wfdemo-{os.getpid()}.log")) as url:
        print(url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            time.sleep(3600)
