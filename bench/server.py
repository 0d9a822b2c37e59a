"""Real servers for the benchmarks: ``python -m mockserver serve`` as a subprocess on 127.0.0.1."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import orjson

from bench.stats import now

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
HEADERS = {"Authorization": "Bearer bench", "Content-Type": "application/json"}
PROBE_PATH = "/api/v1/beta/agent-data/probe"  # unauthenticated: a live server answers 401
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Client:
    """A keep-alive HTTP/1.1 client of one server, on the standard library's http.client.

    Not httpx: on this kind of machine httpx spends about 1 ms of CPU per request in the client,
    which would be counted in every latency (and share the 2 cores with the server); http.client
    spends about 0.2 ms.
    """

    IDLE_S = 1.0  # servers close keep-alive connections idle for 5 s (uvicorn's and node's default)

    def __init__(self, port: int, timeout: float = 120.0):
        self.connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
        self.last_used = now()

    def request(
        self, method: str, path: str, body: bytes | dict | None = None, headers: dict[str, str] = HEADERS
    ) -> tuple[int, bytes]:
        if isinstance(body, dict):
            body = orjson.dumps(body)
        if now() - self.last_used > self.IDLE_S:
            self.connection.close()  # reconnect rather than meet a connection the server has closed
        self.connection.request(method, path, body, headers)
        response = self.connection.getresponse()
        answer = response.read()
        self.last_used = now()
        return response.status, answer

    def post(self, path: str, body: bytes | dict) -> tuple[int, bytes]:
        return self.request("POST", path, body)

    def close(self) -> None:
        self.connection.close()


def probe(port: int) -> bool:
    """True once the server answers an HTTP request (any status); False while it refuses connections."""
    connection = http.client.HTTPConnection(HOST, port, timeout=5.0)
    try:
        connection.request("GET", PROBE_PATH)
        connection.getresponse().read()
        return True
    except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine):
        return False
    finally:
        connection.close()


class Server:
    """One server process. ``start()`` returns the seconds from spawn to its first HTTP answer.

    Use as a context manager: the server is stopped (SIGINT: a clean shutdown, which compacts
    a persisted state) on exit. ``log`` keeps its output, shown when it fails.
    """

    cwd = ROOT  # where the process starts

    def __init__(self, workdir: Path, db: Path | None = None, name: str = "server", args: tuple[str, ...] = ()):
        self.db = db
        self.args = tuple(args)  # more ``serve`` options
        self.port = free_port()
        self.log = workdir / f"{name}-{self.port}.log"
        self.process: subprocess.Popen | None = None
        self.http: Client | None = None
        self.stop_seconds: float | None = None

    def command(self) -> list[str]:
        argv = [
            sys.executable,
            "-m",
            "mockserver",
            "serve",
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--log-level",
            "warning",
        ]
        return argv + (["--db", str(self.db)] if self.db else []) + list(self.args)

    def environment(self) -> dict[str, str]:
        return {**os.environ, "PYTHONUNBUFFERED": "1"}

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def memory(self) -> dict[str, float]:
        """The process's resident set now and at its peak (VmRSS, VmHWM of /proc/PID/status), in MiB."""
        if self.process is None or self.process.poll() is not None:
            raise RuntimeError("the server is not running")
        fields = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(value.split()[0]) / 1024  # kB
        return {"rss_mb": fields["VmRSS"], "peak_mb": fields["VmHWM"]}

    def cpu_seconds(self) -> float:
        """The CPU time the process has used so far, user and system (/proc/PID/stat)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime

    def start(self) -> float:
        with self.log.open("wb") as log:
            started = now()
            self.process = subprocess.Popen(
                self.command(),
                cwd=self.cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.environment(),
            )
            while True:
                if probe(self.port):
                    ready = now() - started
                    break
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log_tail()}")
                if now() - started > READY_TIMEOUT_S:
                    self.stop()
                    raise RuntimeError(f"server not answering after {READY_TIMEOUT_S:.0f} s:\n{self.log_tail()}")
                time.sleep(0.002)
        self.http = Client(self.port)
        return ready

    def stop(self) -> None:
        if self.http is not None:
            self.http.close()
            self.http = None
        if self.process is None or self.process.poll() is not None:
            return
        started = now()
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.stop_seconds = now() - started

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
