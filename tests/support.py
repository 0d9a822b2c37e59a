"""What the test suites share: the repository's root, the key their fakes take, the fake's default
project and the base paths several suites call.

A plain module, imported as ``tests.support`` (the repository's root is on sys.path: ``pythonpath``
in pyproject.toml, and in the pytest.ini of the suites that run in venvs of their own); fixtures
stay in conftest.py. It imports nothing but the standard library, so that the SDK and
workflow-server suites can import it from venvs without the fake's dependencies.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# the fake's interpreter, for the suites that start it as a subprocess from a venv of their own
MOCK_PYTHON = os.environ.get("LLAMACLOUD_MOCK_PYTHON") or str(ROOT / ".venv" / "bin" / "python")

API_KEY = "test-key"  # what the tests send, and start their fakes with (a fake started without a key takes any)
AUTH = {"Authorization": f"Bearer {API_KEY}"}

DEFAULT_PROJECT_ID = "00000000-0000-4000-8000-000000000001"  # the fake's, for requests naming no project

AGENT_DATA = "/api/v1/beta/agent-data"
AGENTS = "/api/v1/extraction/extraction-agents"
FILES = "/api/v1/files"


def ok(response) -> dict:
    """The JSON of a 200 answer; any other status fails the test with the answer's text."""
    assert response.status_code == 200, response.text
    return response.json()


def detail_locs(response) -> list[list]:
    """Where a 422 answer says the request is wrong: each item's ``loc``, in order."""
    assert response.status_code == 422, response.text
    return [item["loc"] for item in response.json()["detail"]]


class WebhookReceiver:
    """An HTTP server on localhost recording every POST (``requests``: its lower-cased headers, raw
    bytes, JSON body and the status answered); answers the scripted statuses, then 200."""

    def __init__(self, *statuses: int, path: str = "/hook"):
        self.statuses = deque(statuses)
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                raw = self.rfile.read(int(self.headers["content-length"]))
                status = receiver.statuses.popleft() if receiver.statuses else 200
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.requests.append({"headers": headers, "raw": raw, "body": json.loads(raw), "status": status})
                self.send_response(status)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{path}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 30.0) -> None:
        """Until ``count`` requests came; bounded, and generous: it fails only when something is wrong."""
        deadline = time.monotonic() + timeout
        while len(self.requests) < count:
            assert time.monotonic() < deadline, f"got {len(self.requests)} webhook requests, waited for {count}"
            time.sleep(0.01)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> WebhookReceiver:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
