"""Run the fake for tests, and drive it: the one implementation behind the pytest plugin
(mockserver/pytest_plugin.py), the project's own tests and the SDK suites.

* ``run_server(args)``: the fake on a free port of 127.0.0.1, with the options of
  ``llamacloud-mock serve`` (``["--virtual-clock", "--id-seed", "7"]``), in a thread of this
  process (``mode="thread"``, the default: starts in milliseconds) or in a process of its own
  (``mode="process"``: what a ``kill -9`` test needs, or another interpreter, ``python=``);
* ``spawn_server(args, python=...)``: ``run_server``'s process mode without the fake's dependencies in
  this interpreter (only httpx), for suites that run in other venvs (tests/workflows);
* ``in_process(args)``: the fake with no socket at all, reached through httpx transports that
  call the ASGI app directly; the official SDKs take them (``llama-cloud`` 2.x
  ``http_client=mock.async_http_client()``, ``llama-cloud`` 0.1.x ``httpx_client=...``);
* each gives a ``LlamaCloudMock``: its ``url``, ``api_key``, httpx clients, and ``admin``, an
  ``AdminClient`` of the admin API (reset, snapshot, seed, clock, jobs, faults, journal).

This module imports only httpx at import time; the fake itself is imported when one is started.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

DEFAULT_API_KEY = "llamacloud-mock-key"
IN_PROCESS_URL = "http://llamacloud-mock.test"
START_TIMEOUT = 30.0
SERVING_LINE = re.compile(rb"llamacloud-mock \S+ serving on (http://\S+)")
_UNSET: Any = object()


class AdminError(RuntimeError):
    """The admin API refused a call; ``status`` and ``body`` are its answer."""

    def __init__(self, status: int, body: Any, call: str):
        detail = body.get("detail") if isinstance(body, dict) else body
        super().__init__(f"{call} answered {status}: {detail}")
        self.status = status
        self.body = body


def _instant(value: datetime | str) -> str:
    return value.isoformat() if isinstance(value, datetime) else value


class AdminClient:
    """The admin API (openapi/admin.yaml) as methods; each returns the decoded JSON answer."""

    def __init__(self, http: httpx.Client):
        self.http = http

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        body = response.json() if response.content else None
        if response.status_code >= 400:
            raise AdminError(response.status_code, body, f"{method} {path}")
        return body

    # -- health and state
    def health(self) -> dict:
        return self._call("GET", "/_mock/health")

    def ready(self) -> dict:
        return self._call("GET", "/_mock/ready")

    def status(self) -> dict:
        """What the server is and holds: version, profile, options, clock, table counts (the dashboard's overview)."""
        return self._call("GET", "/_mock/status")

    def agent_data_collections(self) -> list[dict]:
        """Every (project, deployment, collection) holding Agent Data records, with its count."""
        return self._call("GET", "/_mock/agent-data/collections")["items"]

    def reset(self, id_seed: int | None = _UNSET, clock: datetime | str | None = None) -> dict:
        """Empty everything (faults and journal included); ``id_seed``/``clock`` as in POST /_mock/reset."""
        body: dict[str, Any] = {}
        if id_seed is not _UNSET:
            body["id_seed"] = id_seed
        if clock is not None:
            body["clock"] = _instant(clock)
        return self._call("POST", "/_mock/reset", json=body)

    def snapshot(self) -> dict:
        return self._call("GET", "/_mock/snapshot")

    def restore(self, snapshot: dict) -> dict:
        return self._call("POST", "/_mock/restore", json=snapshot)

    def seed(self, fixture: dict | str | os.PathLike) -> dict:
        """Load a fixture (a dict, or a JSON/YAML file); a snapshot document is restored instead.
        Returns ``{"created": {section: [ids]}}`` (``{"restored": ...}`` for a snapshot)."""
        document = fixture if isinstance(fixture, dict) else load_document(fixture)
        if document.get("format") == "llamacloud-mock-snapshot/1":
            return self.restore(document)
        return self._call("POST", "/_mock/fixtures", json=document)

    def set_id_seed(self, seed: int | None) -> dict:
        return self._call("POST", "/_mock/ids/seed", json={"seed": seed})

    # -- clock
    def clock(self) -> dict:
        return self._call("GET", "/_mock/clock")

    def advance_clock(self, seconds: float) -> dict:
        return self._call("POST", "/_mock/clock/advance", json={"seconds": seconds})

    def set_clock(self, instant: datetime | str) -> dict:
        return self._call("POST", "/_mock/clock/set", json={"now": _instant(instant)})

    def freeze_clock(self) -> dict:
        return self._call("POST", "/_mock/clock/freeze")

    def resume_clock(self) -> dict:
        return self._call("POST", "/_mock/clock/resume")

    # -- jobs
    def jobs(self, state: str | None = None) -> list[dict]:
        return self._call("GET", "/_mock/jobs", params={"state": state} if state else None)["items"]

    def job(self, job_id: str) -> dict:
        return self._call("GET", f"/_mock/jobs/{job_id}")

    def hold_job(self, job_id: str, state: str = "running") -> dict:
        return self._call("POST", f"/_mock/jobs/{job_id}/hold", json={"state": state})

    def release_job(self, job_id: str) -> dict:
        return self._call("POST", f"/_mock/jobs/{job_id}/release")

    def advance_job(self, job_id: str) -> dict:
        return self._call("POST", f"/_mock/jobs/{job_id}/advance")

    def finish_job(self, job_id: str, outcome: str, error: str | None = None) -> dict:
        return self._call("POST", f"/_mock/jobs/{job_id}/finish", json={"outcome": outcome, "error": error})

    def complete_job(self, job_id: str) -> dict:
        return self.finish_job(job_id, "succeeded")

    def fail_job(self, job_id: str, error: str | None = None) -> dict:
        return self.finish_job(job_id, "failed", error)

    def schedule_job(self, job_id: str, **changes: Any) -> dict:
        """``queued_seconds``, ``running_seconds``, ``queued_polls``, ``running_polls``, ``outcome``, ``error``."""
        return self._call("PUT", f"/_mock/jobs/{job_id}/schedule", json=changes)

    # -- faults
    def add_fault(self, **rule: Any) -> dict:
        """A fault rule (see mockserver/admin/faults.py): ``operation``/``method``/``path``,
        ``nth``/``every``/``probability`` (+ ``seed``), ``times``, then ``status`` (+ ``body``,
        ``headers``), ``latency`` or ``drop``."""
        return self._call("POST", "/_mock/faults", json=rule)

    def faults(self) -> list[dict]:
        return self._call("GET", "/_mock/faults")["items"]

    def fault(self, fault_id: str) -> dict:
        return self._call("GET", f"/_mock/faults/{fault_id}")

    def remove_fault(self, fault_id: str) -> None:
        self._call("DELETE", f"/_mock/faults/{fault_id}")

    def clear_faults(self) -> int:
        return self._call("DELETE", "/_mock/faults")["deleted"]

    # -- workflow runs (the workflow server of --workflows scenario files)
    def workflow_deployments(self) -> list[dict]:
        """The deployments served: ``deployment``, its ``workflows`` and the ``source`` file."""
        return self._call("GET", "/_mock/workflows")["items"]

    def workflow_runs(self, deployment: str | None = None, waiting: bool | None = None) -> list[dict]:
        """Every handler and where its run stands (``waiting_for``: the event type it waits for)."""
        params = {k: v for k, v in {"deployment": deployment, "waiting": waiting}.items() if v is not None}
        if "waiting" in params:
            params["waiting"] = str(params["waiting"]).lower()
        return self._call("GET", "/_mock/workflows/handlers", params=params)["items"]

    def workflow_run(self, deployment: str, handler_id: str) -> dict:
        return self._call("GET", f"/_mock/workflows/{deployment}/handlers/{handler_id}")

    def answer_workflow_run(
        self, deployment: str, handler_id: str, value: dict | None = None, event_type: str | None = None
    ) -> dict:
        """Answer what the run waits for, as POST /events would (``event_type``: default the expected one)."""
        body = {k: v for k, v in {"value": value, "type": event_type}.items() if v is not None}
        return self._call("POST", f"/_mock/workflows/{deployment}/handlers/{handler_id}/answer", json=body)

    def fail_workflow_run(self, deployment: str, handler_id: str, error: str | None = None) -> dict:
        body = {"error": error} if error is not None else {}
        return self._call("POST", f"/_mock/workflows/{deployment}/handlers/{handler_id}/fail", json=body)

    # -- journal
    def requests(
        self,
        method: str | None = None,
        path: str | None = None,
        operation: str | None = None,
        status: int | None = None,
        body_contains: str | None = None,
        body: Any = None,
        limit: int | None = None,
    ) -> list[dict]:
        """The journal's requests matching every criterion given, oldest first."""
        query = {
            "method": method,
            "path": path,
            "operation": operation,
            "status": status,
            "body_contains": body_contains,
            "body": body,
            "limit": limit,
        }
        return self._call("POST", "/_mock/requests/find", json={k: v for k, v in query.items() if v is not None})[
            "items"
        ]

    def request_page(self, after: int | None = None, limit: int | None = None, **criteria: Any) -> dict:
        """The journal as GET /_mock/requests answers it (``items``, ``total``, ``received``, ``size``):
        the requests received after number ``after`` (to poll for new ones), the last ``limit`` of them."""
        given = {**criteria, "after": after, "limit": limit}
        params = {name: value for name, value in given.items() if value is not None}
        return self._call("GET", "/_mock/requests", params=params)

    def clear_requests(self) -> int:
        return self._call("DELETE", "/_mock/requests")["deleted"]


def load_document(path: str | os.PathLike) -> dict:
    """A fixture or snapshot file (JSON or YAML), as JSON values."""
    from mockserver.admin.fixtures import load

    return load(path)


@dataclass
class LlamaCloudMock:
    """A running fake: where it is, how to reach it, and its admin API.

    ``app`` is the ASGI app (``app.state`` the FakeState) when the fake runs in this process;
    ``process`` the subprocess when it runs in its own (``mode="process"``).
    """

    url: str
    api_key: str
    admin: AdminClient
    admin_key: str | None = None
    app: Any = None
    process: subprocess.Popen | None = None
    log_path: Path | None = None
    in_process: bool = False
    _transports: list = field(default_factory=list, repr=False)

    @property
    def state(self) -> Any:
        return self.app.state if self.app is not None else None

    def _headers(self, headers: dict | None) -> dict:
        return {"Authorization": f"Bearer {self.api_key}", **(headers or {})}

    def http_client(self, **kwargs: Any) -> httpx.Client:
        """An httpx.Client of this fake (base URL and API key set): for ``llama-cloud`` 2.x
        ``LlamaCloud(http_client=...)`` and 0.1.x ``LlamaCloud(httpx_client=...)``, or direct calls."""
        if self.in_process:
            kwargs.setdefault("transport", self._sync_transport())
        return httpx.Client(base_url=self.url, headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def async_http_client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An httpx.AsyncClient of this fake: for ``AsyncLlamaCloud(http_client=...)`` (2.x) and
        ``AsyncLlamaCloud(httpx_client=...)`` (0.1.x)."""
        if self.in_process:
            kwargs.setdefault("transport", InProcessTransport(self.app))
        return httpx.AsyncClient(base_url=self.url, headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def _sync_transport(self) -> SyncInProcessTransport:
        transport = SyncInProcessTransport(self.app)
        self._transports.append(transport)
        return transport

    # shortcuts of the admin API used in almost every test
    def reset(self, **options: Any) -> dict:
        return self.admin.reset(**options)

    def seed(self, fixture: dict | str | os.PathLike) -> dict:
        return self.admin.seed(fixture)

    def requests(self, **criteria: Any) -> list[dict]:
        return self.admin.requests(**criteria)


# ---------------------------------------------------------------------- in process, no socket


class InProcessTransport(httpx.ASGITransport):
    """httpx's ASGI transport, where a connection a fault rule drops fails as over a socket
    (``httpx.RemoteProtocolError``), so that clients retry it the same way."""

    def __init__(self, app: Any):
        super().__init__(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        from mockserver.admin.middleware import ConnectionDropped

        try:
            return await super().handle_async_request(request)
        except ConnectionDropped:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from None


class SyncInProcessTransport(httpx.BaseTransport):
    """The same for synchronous clients: the app runs on an event loop of its own thread (an anyio
    blocking portal), so sync clients work even inside async tests."""

    def __init__(self, app: Any):
        import anyio.from_thread

        self._inner = InProcessTransport(app)
        self._portal_cm = anyio.from_thread.start_blocking_portal()
        self._portal = self._portal_cm.__enter__()
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        content = request.read()
        forwarded = httpx.Request(
            request.method, request.url, headers=request.headers, content=content, extensions=request.extensions
        )

        async def call() -> tuple[int, httpx.Headers, bytes]:
            response = await self._inner.handle_async_request(forwarded)
            return response.status_code, response.headers, await response.aread()

        with self._lock:
            if self._portal is None:
                raise RuntimeError("this in-process transport is closed")
            status, headers, body = self._portal.call(call)
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(body), request=request)

    def close(self) -> None:
        with self._lock:
            if self._portal is not None:
                self._portal = None
                self._portal_cm.__exit__(None, None, None)


def _create_app(config: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # connexion's and starlette's deprecation warnings, at import
        from mockserver.app import create_app
    return create_app(config)


def _config(args: Sequence[str]) -> Any:
    from mockserver.cli import build_parser, config_from_args

    return config_from_args(build_parser().parse_args(["serve", *args]))


@contextlib.contextmanager
def in_process(args: Sequence[str] = ()) -> Iterator[LlamaCloudMock]:
    """The fake with the options of ``llamacloud-mock serve``, reached without a socket."""
    config = _config(args)
    app = _create_app(config)
    admin_transport = SyncInProcessTransport(app)
    admin_http = httpx.Client(transport=admin_transport, base_url=IN_PROCESS_URL, headers=_admin_headers(config))
    mock = LlamaCloudMock(
        url=IN_PROCESS_URL,
        api_key=config.api_keys[0] if config.api_keys else DEFAULT_API_KEY,
        admin=AdminClient(admin_http),
        admin_key=config.admin_key,
        app=app,
        in_process=True,
    )
    try:
        yield mock
    finally:
        admin_http.close()
        for transport in [admin_transport, *mock._transports]:
            transport.close()
        app.state.close()


# ---------------------------------------------------------------------- on a socket


def _admin_headers(config: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {config.admin_key}"} if config.admin_key else {}


def _wait_ready(url: str, admin_headers: dict, deadline: float, alive: Any, describe: Any) -> None:
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"the fake exited before it answered; {describe()}")
        try:
            if httpx.get(f"{url}/_mock/ready", headers=admin_headers, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"the fake did not answer on {url} within the time allowed; {describe()}")


class _ThreadedServer:
    """uvicorn in a daemon thread, on a socket bound here (so the port is known before it starts)."""

    def __init__(self, app: Any, host: str):
        import uvicorn

        self.sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.port = self.sock.getsockname()[1]
        # log_config=None: leave the test process's logging (pytest's capture) alone
        config = uvicorn.Config(app, lifespan="on", log_level="warning", access_log=False, log_config=None)
        self.server = uvicorn.Server(config)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="llamacloud-mock", daemon=True)

    def _run(self) -> None:
        try:
            self.server.run(sockets=[self.sock])
        except BaseException as e:  # reported by start()
            self.error = e

    def start(self, timeout: float) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the fake's server thread did not start: {self.error!r}")
            time.sleep(0.005)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@contextlib.contextmanager
def run_server(
    args: Sequence[str] = (),
    *,
    mode: str = "thread",
    python: str | None = None,
    host: str = "127.0.0.1",
    timeout: float = START_TIMEOUT,
    env: dict[str, str] | None = None,
    log_path: str | os.PathLike | None = None,
) -> Iterator[LlamaCloudMock]:
    """The fake, serving on a free port of ``host`` until the block ends.

    ``args`` are options of ``llamacloud-mock serve`` (``--host``/``--port`` excepted). In
    ``mode="process"`` the server runs as ``python -m mockserver serve`` (``python``: default this
    interpreter), its output in ``log_path`` (default a temporary file), and is terminated at the
    end (``mock.process.kill()`` first for a crash test).
    """
    if mode not in ("thread", "process"):
        raise ValueError(f"mode must be 'thread' or 'process', not {mode!r}")
    config = _config(args)
    admin_headers = _admin_headers(config)
    api_key = config.api_keys[0] if config.api_keys else DEFAULT_API_KEY
    if mode == "thread":
        app = _create_app(config)
        server = _ThreadedServer(app, host)
        server.start(timeout)
        url = f"http://{host}:{server.port}"
        admin = httpx.Client(base_url=url, headers=admin_headers, timeout=60)
        try:
            yield LlamaCloudMock(url, api_key, AdminClient(admin), config.admin_key, app=app)
        finally:
            admin.close()
            server.stop()
        return

    with spawn_server(args, python=python, host=host, timeout=timeout, env=env, log_path=log_path,
                      admin_headers=admin_headers) as (url, process, log_file):
        admin = httpx.Client(base_url=url, headers=admin_headers, timeout=60)
        try:
            yield LlamaCloudMock(url, api_key, AdminClient(admin), config.admin_key, process=process, log_path=log_file)
        finally:
            admin.close()


@contextlib.contextmanager
def spawn_server(
    args: Sequence[str] = (),
    *,
    python: str | None = None,
    host: str = "127.0.0.1",
    timeout: float = START_TIMEOUT,
    env: dict[str, str] | None = None,
    log_path: str | os.PathLike | None = None,
    admin_headers: dict[str, str] | None = None,
) -> Iterator[tuple[str, subprocess.Popen, Path]]:
    """``python -m mockserver serve`` on a free port of ``host`` until the block ends: its URL, process
    and log file (``run_server``'s process mode). It needs nothing but httpx in this interpreter, so a
    suite in a venv without the fake's dependencies (tests/workflows) starts one from another venv."""
    log_file = Path(log_path) if log_path else Path(tempfile.mkstemp(prefix="llamacloud-mock-", suffix=".log")[1])
    command = [python or sys.executable, "-m", "mockserver", "serve", "--host", host, "--port", "0", *args]
    with log_file.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)

    def describe() -> str:
        return f"command {' '.join(command)}; its output:\n{log_file.read_text(errors='replace')}"

    try:
        deadline = time.monotonic() + timeout
        url = None
        while url is None:
            found = SERVING_LINE.search(log_file.read_bytes())
            if found:
                url = found.group(1).decode()
            elif process.poll() is not None:
                raise RuntimeError(f"the fake exited with status {process.returncode} on start; {describe()}")
            elif time.monotonic() > deadline:
                raise RuntimeError(f"the fake did not start within {timeout:.0f}s; {describe()}")
            else:
                time.sleep(0.02)
        _wait_ready(url, admin_headers or {}, deadline, lambda: process.poll() is None, describe)
        yield url, process, log_file
    finally:
        terminate(process)


def terminate(process: subprocess.Popen, timeout: float = 10) -> None:
    """Stop a server process: SIGTERM, then SIGKILL if it is still there after ``timeout`` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
