"""What the test suites share: the repository's root, the key their fakes take, the fake's default
project and the base paths several suites call.

A plain module, imported as ``tests.support`` (the repository's root is on sys.path: ``pythonpath``
in pyproject.toml, and in the pytest.ini of the suites that run in venvs of their own); fixtures
stay in conftest.py. It imports nothing but the standard library, so that the SDK and
workflow-server suites can import it from venvs without the fake's dependencies.
"""

from __future__ import annotations

import os
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
