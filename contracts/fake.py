"""The fake as a contract target: a fresh server of a given profile on a free port.

``make contract`` tests each spec against its own fake, started as users start it
(``python -m mockserver serve``), so the run goes through uvicorn and real HTTP, with a random
API key (so that Schemathesis' authentication checks mean something), jobs that finish when
created (``--job-duration 0``: results are there to be fetched) and reproducible ids.
"""

from __future__ import annotations

import contextlib
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ready(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=1).close()
    except urllib.error.HTTPError:
        return True  # it answers (a 404 or 401 at the root is an answer)
    except OSError:
        return False
    return True


@contextlib.contextmanager
def serve(
    profile: str = "default", extra_args: tuple[str, ...] = (), timeout: float = 30.0
) -> Iterator[tuple[str, str]]:
    """``(base_url, api_key)`` of a fake serving ``profile``, stopped on exit."""
    port = free_port()
    api_key = "contract-" + secrets.token_hex(8)
    command = [
        sys.executable,
        "-m",
        "mockserver",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--profile",
        profile,
        "--api-key",
        api_key,
        "--job-duration",
        "0",
        "--id-seed",
        "42",
        "--log-level",
        "warning",
        "--validate-responses",  # the fake checks its own answers too: a mismatch is a 500 the run reports
        *extra_args,
    ]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while not _ready(url + "/"):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    output = log.read().decode(errors="replace")
                    raise RuntimeError(f"the fake did not start ({' '.join(command)}):\n{output}")
                time.sleep(0.05)
            yield url, api_key
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
