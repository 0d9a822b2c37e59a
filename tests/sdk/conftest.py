"""Fixtures of the SDK suites: the official SDKs talk HTTP to a real fake server.

The server runs as a subprocess of the project's own venv (``$LLAMACLOUD_MOCK_PYTHON``, set by
``make test-sdk``; default ``.venv/bin/python``), one per session on a free port, started by
``mockserver.testing.run_server`` (the pytest plugin's runner; the project is installed in each
SDK venv). Tests share it, so each test works in its own deployment (and, where projects matter,
in fresh projects). ``fake_server(log, *flags)`` starts another one with other options.
The data both suites use is in sdk_data.py.
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockserver.testing import run_server

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "test-key"

@contextlib.contextmanager
def fake_server(log: Path, *flags: str) -> Iterator[str]:
    """The URL of a fake of the project's venv started with ``flags``, until the block ends; it checks
    its own responses against the spec (a mismatch answers 500, which fails the test)."""
    python = os.environ.get("LLAMACLOUD_MOCK_PYTHON") or str(ROOT / ".venv" / "bin" / "python")
    flags = ("--api-key", API_KEY, "--validate-responses", *flags)
    with run_server(list(flags), mode="process", python=python, log_path=log) as mock:
        yield mock.url


@pytest.fixture(scope="session")
def base_url(tmp_path_factory) -> Iterator[str]:
    """The URL of a fake started for this session (and stopped after it)."""
    with fake_server(tmp_path_factory.mktemp("server") / "server.log") as url:
        yield url


@pytest.fixture(scope="session")
def api_key() -> str:
    return API_KEY


@pytest.fixture
def deployment_name(request) -> str:
    """A deployment of this test alone: the shared server holds every test's data."""
    slug = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:40]
    return f"{slug}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def project_ids() -> tuple[str, str]:
    """Two fresh projects, A and B."""
    return str(uuid.uuid4()), str(uuid.uuid4())
